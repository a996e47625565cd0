// Alert delivery: a real local HTTP server (port 0) stands for the chat webhook; the MQTT sink is
// driven through its publish function.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../runtime/index.js';
import type { Alert } from './alert.js';
import { createMqttAlertSink, createWebhookAlertSink } from './sinks.js';

const alert: Alert = {
  id: 'hamlet_uncovered/an-giang/vinh-an/an-hoa',
  kind: 'hamlet_uncovered',
  state: 'firing',
  severity: 'critical',
  where: { province: 'an-giang', commune: 'vinh-an', hamlet: 'an-hoa' },
  message:
    'Ấp An Hòa of Xã Vĩnh An (An Giang) has no working loudspeakers since 2026-06-15 05:12 local time.',
  since: 1_750_000_000_000,
  ts: 1_750_000_600_000,
  devices: ['vinh-an-c01'],
  // What the engine adds as the alert goes out, in the configured language.
  title: 'ALERT · Hamlet without loudspeakers · Ấp An Hòa, Xã Vĩnh An (An Giang)',
  place: 'Xã Vĩnh An (An Giang)',
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function server(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const srv = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) =>
        srv.close(() => {
          resolve();
        }),
      ),
  );
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`;
}

it('POSTs a chat-ready JSON body, retrying with backoff until the webhook takes it', async () => {
  const bodies: string[] = [];
  const url = await server((_req, body, res) => {
    bodies.push(body);
    res.statusCode = bodies.length < 3 ? 503 : 200;
    res.end();
  });
  const sink = createWebhookAlertSink({ url, logger: silentLogger(), baseMs: 5, capMs: 20 });
  closers.push(() => sink.close());
  sink.deliver(alert);
  await sink.flush();
  expect(bodies).toHaveLength(3);
  const body = JSON.parse(bodies[2] ?? '{}') as Record<string, unknown>;
  // Two lines for people: the title, then what, where, since when, the cause and what to check.
  expect(body.text).toBe(`${alert.title ?? ''}\n${alert.message}`);
  expect(body).toMatchObject({ id: alert.id, state: 'firing', where: alert.where, since: alert.since });
});

it('gives up on a 4xx at once and keeps order for the next alerts', async () => {
  const seen: string[] = [];
  const url = await server((_req, body, res) => {
    const a = JSON.parse(body) as Alert;
    seen.push(a.state);
    res.statusCode = a.state === 'firing' ? 400 : 204;
    res.end();
  });
  const sink = createWebhookAlertSink({ url, logger: silentLogger(), baseMs: 5, capMs: 20 });
  closers.push(() => sink.close());
  sink.deliver(alert);
  sink.deliver({ ...alert, state: 'resolved' });
  await sink.flush();
  expect(seen).toEqual(['firing', 'resolved']);
});

it('publishes each change on _platform/alert and retains the current state per alert', async () => {
  const published: { topic: string; retain: boolean; payload: string }[] = [];
  const sink = createMqttAlertSink((topic, payload, { retain }) => {
    published.push({ topic, retain, payload });
    return Promise.resolve();
  }, silentLogger());
  sink.deliver(alert);
  await sink.flush();
  expect(published.map((p) => [p.topic, p.retain])).toEqual([
    ['loa/v1/an-giang/vinh-an/_platform/alert', false],
    ['loa/v1/an-giang/vinh-an/_platform/alert/hamlet_uncovered/an-hoa', true],
  ]);
  expect(JSON.parse(published[0]?.payload ?? '{}')).toEqual(alert);
  sink.deliver({
    ...alert,
    kind: 'emergency_undelivered',
    id: 'emergency_undelivered/an-giang/vinh-an/AG 1/#+',
  });
  await sink.flush();
  expect(published[3]?.topic).toBe('loa/v1/an-giang/vinh-an/_platform/alert/emergency_undelivered/AG_1-__');
});

it('sends a burst of alerts as one digest, and alerts after it one by one again', async () => {
  const bodies: Record<string, unknown>[] = [];
  const url = await server((_req, body, res) => {
    bodies.push(JSON.parse(body) as Record<string, unknown>);
    res.end();
  });
  const sink = createWebhookAlertSink({ url, logger: silentLogger(), digestAbove: 3, lang: 'en' });
  closers.push(() => sink.close());
  // One evaluation after a power cut: 70 hamlets of two communes silent, one device back.
  const burst: Alert[] = Array.from({ length: 70 }, (_, i) => ({
    ...alert,
    id: `hamlet_uncovered/an-giang/${i < 50 ? 'vinh-an' : 'tan-chau'}/ap-${i}`,
    where: { province: 'an-giang', commune: i < 50 ? 'vinh-an' : 'tan-chau', hamlet: `ap-${i}` },
    place: i < 50 ? 'Xã Vĩnh An (An Giang)' : 'Phường Tân Châu (An Giang)',
  }));
  burst.push({
    ...alert,
    id: 'device_offline/an-giang/vinh-an/c9',
    kind: 'device_offline',
    state: 'resolved',
  });
  for (const a of burst) sink.deliver(a);
  await sink.flush();
  expect(bodies).toHaveLength(1);
  const digest = bodies[0] ?? {};
  expect(digest).toMatchObject({
    digest: true,
    count: 71,
    counts: { firing: { hamlet_uncovered: 70 }, resolved: { device_offline: 1 } },
    communes: { 'an-giang/vinh-an': 51, 'an-giang/tan-chau': 20 },
  });
  expect(digest.alerts).toHaveLength(50);
  // For people: in the sink's language, communes by name; the counts above stay by id for machines.
  expect(String(digest.text)).toContain(
    '71 alerts at once: 70 firing (70 Hamlet without loudspeakers); 1 resolved (1 Device down)',
  );
  expect(String(digest.text)).toContain('Most in: Xã Vĩnh An (An Giang) 51, Phường Tân Châu (An Giang) 20');
  expect(String(digest.text)).toContain('… and 61 more');

  sink.deliver({ ...alert, state: 'resolved' });
  await sink.flush();
  expect(bodies).toHaveLength(2);
  expect(bodies[1]).toMatchObject({ id: alert.id, state: 'resolved' });
  expect(bodies[1]?.digest).toBeUndefined();
});
