import type { Inventory } from '../protocol/index.js';

/** Vietnamese names of the places, for the drop-downs of the province and commune variables. */
export interface PlaceNames {
  provinces: readonly { id: string; name: string }[];
  communes: readonly { id: string; name: string; province: string }[];
}

export function placeNames(inventory: Inventory): PlaceNames {
  const several = inventory.provinces.length > 1;
  return {
    provinces: inventory.provinces.map((p) => ({ id: p.id, name: p.name })),
    communes: inventory.provinces.flatMap((p) =>
      p.communes.map((c) => ({ id: c.id, province: p.id, name: several ? `${c.name} (${p.name})` : c.name })),
    ),
  };
}
