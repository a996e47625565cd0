import { heartbeatSchema } from '../protocol/index.js';
const body = Buffer.from(
  `{"v":1,"ts":1795640529390,"seq":12,"uptime_s":12,"power":"mains","amp":"on","playing":false,"volume_pct":80,"mains_v":221.5,"battery_v":13.1,"relay":"ok","rssi_dbm":-71,"temp_c":38.5}`,
);
const N = 300_000;
function t(name: string, fn: () => void) {
  fn();
  const s = process.hrtime.bigint();
  fn();
  const d = Number(process.hrtime.bigint() - s) / 1e9;
  console.log(name, Math.round(N / d), '/s', ((d * 1e9) / N).toFixed(0), 'ns');
}
const objs = Array.from({ length: N }, () => JSON.parse(body.toString()));
t('toString', () => {
  for (let i = 0; i < N; i++) body.toString('utf8');
});
t('JSON.parse', () => {
  const s = body.toString();
  for (let i = 0; i < N; i++) JSON.parse(s);
});
t('zod safeParse', () => {
  for (let i = 0; i < N; i++) heartbeatSchema.safeParse(objs[i]);
});
t('zod parse', () => {
  for (let i = 0; i < N; i++) heartbeatSchema.parse(objs[i]);
});
