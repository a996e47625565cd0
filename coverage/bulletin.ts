import { quoteString, type InfluxQl } from '../influx/index.js';
import { BROADCAST, type Inventory } from '../protocol/index.js';

/** One commune's delivery of a bulletin: who logged it (with status), who did not. */
export interface BulletinDelivery {
  province: string;
  commune: string;
  name: string;
  played: { device: string; status: string; start: number }[];
  /** Monitored clusters with no log of it. */
  missing: string[];
  /** Clusters that cannot report (FM, wired): unknown. */
  unmonitored: string[];
}

/**
 * `loa coverage bulletin <id>`: per commune that logged a bulletin at all, which clusters played it and
 * which did not, from the `broadcast` measurement (the bulletin id is a field: never a tag).
 */
export async function readBulletin(
  ql: InfluxQl,
  inventory: Inventory,
  bulletin: string,
): Promise<BulletinDelivery[]> {
  const { name, tag: t, field: f } = BROADCAST;
  const series = await ql.query(
    `SELECT "${f.end}", "${f.bulletin}" FROM "${name}" WHERE "${f.bulletin}" = ${quoteString(bulletin)} GROUP BY "${t.province}", "${t.commune}", "${t.device}", "${t.status}"`,
  );
  const byCommune = new Map<string, BulletinDelivery['played']>();
  for (const s of series) {
    const key = `${s.tags?.province ?? ''}/${s.tags?.commune ?? ''}`;
    const list = byCommune.get(key) ?? [];
    for (const row of s.values) {
      list.push({ device: s.tags?.device ?? '', status: s.tags?.status ?? '', start: Number(row[0]) });
    }
    byCommune.set(key, list);
  }
  const out: BulletinDelivery[] = [];
  for (const [key, played] of byCommune) {
    const [province = '', communeId = ''] = key.split('/');
    const commune = inventory.commune(province, communeId);
    const logged = new Set(played.map((p) => p.device));
    const clusters = commune?.devices.filter((d) => d.kind === 'cluster') ?? [];
    out.push({
      province,
      commune: communeId,
      name: commune?.name ?? communeId,
      played: played.sort((a, b) => a.device.localeCompare(b.device)),
      missing: clusters.filter((d) => d.monitored && !logged.has(d.device)).map((d) => d.device),
      unmonitored: clusters.filter((d) => !d.monitored).map((d) => d.device),
    });
  }
  return out.sort((a, b) => a.province.localeCompare(b.province) || a.commune.localeCompare(b.commune));
}
