import type { MessageKey, Messages } from '../i18n/index.js';
import type { ClassicDashboard } from './classic.js';

/**
 * What people read in legends and table headers, by the column name a query gives (its `AS "…"`
 * aliases and tags). Queries are the same in every language, so the panel test proves them once: the
 * words are display names laid over them (field overrides, or a rename where the legend is a pattern
 * such as `$tag_instance $col`).
 */
const FIELD_KEYS: Readonly<Record<string, MessageKey>> = {
  covered: 'grafana.field.covered',
  'covered %': 'grafana.field.coveredPct',
  meeting: 'grafana.field.meeting',
  communes: 'grafana.field.communes',
  unverified: 'grafana.field.unverified',
  'hamlets covered': 'grafana.field.hamletsCovered',
  'communes meeting 8.3': 'grafana.field.communesMeeting',
  name: 'grafana.field.name',
  status: 'grafana.field.status',
  hamlets: 'grafana.field.hamlets',
  station: 'grafana.field.station',
  since: 'grafana.field.since',
  commune: 'grafana.field.commune',
  hamlet: 'grafana.field.hamlet',
  device: 'grafana.field.device',
  kind: 'grafana.field.kind',
  'clusters up': 'grafana.field.clustersUp',
  clusters: 'grafana.field.clusters',
  'broadcast days (of 7)': 'grafana.field.broadcastDays',
  power: 'grafana.field.power',
  amp: 'grafana.field.amp',
  relay: 'grafana.field.relay',
  mains_v: 'grafana.field.mainsV',
  battery_v: 'grafana.field.batteryV',
  rssi_dbm: 'grafana.field.rssiDbm',
  uptime_s: 'grafana.field.uptimeS',
  broadcasts: 'grafana.field.broadcasts',
  'windows missed': 'grafana.field.windowsMissed',
  mains: 'grafana.field.mains',
  battery: 'grafana.field.battery',
  'rssi dBm': 'grafana.field.rssi',
  'temperature °C': 'grafana.field.temperature',
  volume: 'grafana.field.volume',
  type: 'grafana.field.type',
  detail: 'grafana.field.detail',
  count: 'grafana.field.count',
  online: 'grafana.field.online',
  reason: 'grafana.field.reason',
  session: 'grafana.field.session',
  priority: 'grafana.field.priority',
  source: 'grafana.field.source',
  duration: 'grafana.field.duration',
  duration_s: 'grafana.field.durationS',
  program: 'grafana.field.program',
  bulletin: 'grafana.field.bulletin',
  id: 'grafana.field.id',
  state: 'grafana.field.state',
  message: 'grafana.field.message',
  'clusters missing': 'grafana.field.clustersMissing',
  rejects: 'grafana.field.rejects',
  logs: 'grafana.field.logs',
  received: 'grafana.field.received',
  written: 'grafana.field.written',
  rejected: 'grafana.field.rejected',
  'write p50': 'grafana.field.writeP50',
  'write p99': 'grafana.field.writeP99',
  'publish→stored p99': 'grafana.field.storedP99',
  'points in memory': 'grafana.field.pointsInMemory',
  'log bytes not yet written': 'grafana.field.logBytes',
  'write errors': 'grafana.field.writeErrors',
  connected: 'grafana.field.connected',
  'refused logins/s': 'grafana.field.refusedLogins',
  'refused publishes/s': 'grafana.field.refusedPublishes',
};

/** The label of a column in the reader's language (the column name itself when it has none). */
export function fieldLabel(m: Messages, field: string): string {
  const key = FIELD_KEYS[field];
  return key === undefined ? field : m.t(key);
}

interface PanelJson {
  type?: string;
  targets?: { query?: string; alias?: string }[];
  fieldConfig?: {
    defaults?: unknown;
    overrides?: { matcher: { id: string; options: unknown }; properties: unknown[] }[];
  };
  transformations?: { id: string; options: unknown }[];
}

/** Every quoted name a query mentions; those that are columns and have a label get one. */
function columnsOf(query: string): string[] {
  return [...new Set([...query.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? ''))];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Lays the reader's words over every panel's columns. A geomap is left alone: its style names the
 * `status` field, which a display name would hide from it.
 */
export function labelFields(dashboard: ClassicDashboard, m: Messages): ClassicDashboard {
  for (const panel of (dashboard.panels ?? []) as PanelJson[]) {
    if (panel.type === 'geomap') continue;
    for (const target of panel.targets ?? []) {
      const labels = columnsOf(target.query ?? '')
        .map((field) => [field, fieldLabel(m, field)] as const)
        .filter(([field, label]) => label !== field);
      if (labels.length === 0) continue;
      if (target.alias?.includes('$col')) {
        // The legend is "instance column": rename the column part of it.
        panel.transformations = [
          ...(panel.transformations ?? []),
          ...labels.map(([field, label]) => ({
            id: 'renameByRegex',
            options: { regex: `^(.*)${escapeRegExp(field)}$`, renamePattern: `$1${label}` },
          })),
        ];
        continue;
      }
      panel.fieldConfig ??= { defaults: {}, overrides: [] };
      panel.fieldConfig.overrides = [
        ...(panel.fieldConfig.overrides ?? []),
        ...labels.map(([field, label]) => ({
          matcher: { id: 'byName', options: field },
          properties: [{ id: 'displayName', value: label }],
        })),
      ];
    }
  }
  return dashboard;
}
