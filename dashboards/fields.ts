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
  'communes meeting': 'grafana.field.communesMeeting',
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

/** Stored words of tables and timelines (statuses, power sources, priorities), shown in the reader's. */
const VALUE_KEYS: Readonly<Record<string, MessageKey>> = {
  covered: 'grafana.value.covered',
  uncovered: 'grafana.value.uncovered',
  unmonitored: 'grafana.value.unmonitored',
  unserved: 'grafana.value.unserved',
  meets: 'grafana.value.meets',
  unverified: 'grafana.value.unverified',
  not_met: 'grafana.value.notMet',
  up: 'grafana.value.up',
  down: 'grafana.value.down',
  none: 'grafana.value.none',
  mains: 'grafana.value.mains',
  battery: 'grafana.value.battery',
  solar: 'grafana.value.solar',
  on: 'grafana.value.on',
  off: 'grafana.value.off',
  fault: 'grafana.value.fault',
  ok: 'grafana.value.ok',
  tripped: 'grafana.value.tripped',
  normal: 'grafana.value.normal',
  priority: 'grafana.value.priority',
  emergency: 'grafana.value.emergency',
  completed: 'grafana.value.completed',
  interrupted: 'grafana.value.interrupted',
  national: 'grafana.value.national',
  provincial: 'grafana.value.provincial',
  commune: 'grafana.value.commune',
  firing: 'grafana.value.firing',
  resolved: 'grafana.value.resolved',
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
    defaults?: { mappings?: unknown[] };
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
  const words = valueMapping(m);
  for (const panel of (dashboard.panels ?? []) as PanelJson[]) {
    if (panel.type === 'geomap') continue;
    if (words !== undefined && (panel.type === 'table' || panel.type === 'state-timeline')) {
      panel.fieldConfig ??= { defaults: {}, overrides: [] };
      panel.fieldConfig.defaults ??= {};
      panel.fieldConfig.defaults.mappings = [...(panel.fieldConfig.defaults.mappings ?? []), words];
    }
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

/** One value-to-text mapping of every stored word that reads otherwise in `m`'s language; none if none. */
function valueMapping(m: Messages): unknown {
  const options: Record<string, { text: string; index: number }> = {};
  let index = 0;
  for (const [value, key] of Object.entries(VALUE_KEYS)) {
    const text = m.t(key);
    if (text !== value) options[value] = { text, index: index++ };
  }
  return index === 0 ? undefined : { type: 'value', options };
}
