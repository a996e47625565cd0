import type { Message } from './catalogue.js';
import type { MessageKey } from './vi.js';

/** English, with `--lang en`, `LOA_LANG=en` or `lang: en`. The same keys as `vi.ts` (the type says so). */
export const en: Record<MessageKey, Message> = {
  'count.communes': { one: '{n} commune', other: '{n} communes' },
  'count.devices': { one: '{n} device', other: '{n} devices' },
  'count.files': { one: '{n} file', other: '{n} files' },
  'count.faultsActive': { one: '{n} fault active', other: '{n} faults active' },
  'count.problems': { one: '{n} problem', other: '{n} problems' },

  'up.banner': 'Loa is up: {provinces} — {devices} in the inventory',
  'up.label.broker': 'broker',
  'up.label.tls': 'tls',
  'up.label.websocket': 'websocket',
  'up.label.influxdb': 'influxdb',
  'up.label.metrics': 'metrics',
  'up.label.data': 'data',
  'up.database': '(database "{database}")',
  'up.health': 'health {url}',
  'status.line':
    '{online} devices online · {rate} msg/s · {written} points stored · {rejected} rejected · {buffered} buffered',
  'status.spilling': 'InfluxDB behind, replaying from disk',

  'generate.done': 'generated {province}: {communes}, {devices} ({monitored} monitored)',
  'generate.inventory': 'inventory',
  'generate.secrets': 'secrets',
  'generate.secretsNote': '(plain secrets of the virtual devices: keep it private)',
  'generate.next': 'next:',

  'simulate.starting': 'simulating {devices} → {broker}',
  'simulate.for': 'for {seconds} s',
  'simulate.with': 'with {scenario}',
  'simulate.online': '{online}/{devices} devices online',
  'simulate.rate': '{rate} msg/s',
  'simulate.sent': '{n} sent',
  'simulate.acked': '{n} acked',
  'simulate.queued': '{n} queued',
  'simulate.refused': '{n} refused',
  'simulate.failed': '{n} failed',
  'simulate.dropped': '{n} dropped',
  'simulate.stopped':
    'simulation stopped: {sent} sent, {acked} acknowledged, {refused} refused, {failed} failed, {dropped} dropped ({devices})',
  'simulate.expected':
    '  expected in InfluxDB: {total} points (heartbeat {heartbeat} · broadcast {broadcast} · event {event}), besides presence; {refused} to be refused by the ingest; {pending} still queued',
  'simulate.faults': '  faults injected: {list}',
  'verify.start': 'verifying against {url} (database "{database}")…',
  'verify.ok': 'ok',
  'verify.failed': 'FAILED',
  'verify.passed': 'verify: passed',
  'verify.failedSummary': 'verify: FAILED ({problems}: see the lines above)',

  'dashboards.wrote': 'wrote {files} of the Grafana provisioning tree to {dir} (language: English):',
};
