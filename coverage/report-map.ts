import type { Inventory, InventoryLink } from '../protocol/index.js';

/**
 * Where the province's clusters and hamlets are, for the report's map, from the inventory's coordinates
 * (devices carry lat/lon; a hamlet is drawn at the middle of the clusters serving it). No tile server:
 * the report draws these as inline SVG.
 */
export interface MapCluster {
  id: string;
  name: string;
  commune: string;
  link: InventoryLink;
  monitored: boolean;
  lat: number;
  lon: number;
}

export interface MapHamlet {
  id: string;
  name: string;
  commune: string;
  lat: number;
  lon: number;
}

export interface ReportMap {
  clusters: MapCluster[];
  hamlets: MapHamlet[];
}

export function reportMap(inventory: Inventory): ReportMap {
  const clusters: MapCluster[] = [];
  const hamlets: MapHamlet[] = [];
  for (const p of inventory.provinces) {
    for (const c of p.communes) {
      for (const d of c.devices) {
        if (d.kind !== 'cluster' || d.lat === undefined || d.lon === undefined) continue;
        clusters.push({
          id: d.device,
          name: d.name ?? d.device,
          commune: c.id,
          link: d.link,
          monitored: d.monitored,
          lat: d.lat,
          lon: d.lon,
        });
      }
      for (const h of c.hamlets) {
        const at = clusters.filter(
          (k) => k.commune === c.id && c.devices.some((d) => d.device === k.id && d.hamlets.includes(h.id)),
        );
        if (at.length === 0) continue;
        const mean = (f: (k: MapCluster) => number) => at.reduce((n, k) => n + f(k), 0) / at.length;
        hamlets.push({
          id: h.id,
          name: h.name,
          commune: c.id,
          lat: mean((k) => k.lat),
          lon: mean((k) => k.lon),
        });
      }
    }
  }
  return { clusters, hamlets };
}
