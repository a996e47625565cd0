import type { Messages } from '../i18n/index.js';
import { currentMessages } from './lang.js';

export interface UpAddresses {
  provinces: readonly string[];
  devices: number;
  brokerUrl: string;
  tlsUrl?: string | undefined;
  wsUrl?: string | undefined;
  influxUrl: string;
  database: string;
  httpUrl: string;
  dataDir: string;
}

/** What `loa up` prints once it is up: the provinces, and where each part listens. */
export function startBanner(a: UpAddresses, m: Messages = currentMessages()): string {
  const rows: [string, string][] = [
    [m.t('up.label.broker'), a.brokerUrl],
    ...(a.tlsUrl === undefined ? [] : [[m.t('up.label.tls'), a.tlsUrl] as [string, string]]),
    ...(a.wsUrl === undefined ? [] : [[m.t('up.label.websocket'), a.wsUrl] as [string, string]]),
    [m.t('up.label.influxdb'), `${a.influxUrl}  ${m.t('up.database', { database: a.database })}`],
    [m.t('up.label.metrics'), `${a.httpUrl}/metrics   ${m.t('up.health', { url: `${a.httpUrl}/healthz` })}`],
    [m.t('up.label.data'), a.dataDir],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return [
    m.t('up.banner', {
      provinces: a.provinces.join(', '),
      devices: m.t('count.devices', { n: a.devices }),
    }),
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}${value}`),
    '',
  ].join('\n');
}
