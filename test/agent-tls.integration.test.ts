// Issue #4, point 1: an agent that proves who it is with a TLS client certificate and has no secret at
// all, against the real broker's mutual-TLS listener (a verified certificate whose CN is the device id
// logs it in). A certificate from another CA, or one naming another device, is refused.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createBroker, type Broker, type BrokerUrls } from '../broker/index.js';
import { createAgent, type Agent } from '../devices/index.js';
import { silentLogger } from '../runtime/index.js';
import { createTestPki, type TestPki } from './broker-certs.js';
import { until } from './wait.js';
import { testInventory, topicOf } from './fixtures/province.js';

let dir: string;
let broker: Broker;
let urls: BrokerUrls;
let pki: TestPki;
let foreign: TestPki;
const accepted: { topic: string; payload: Record<string, unknown> }[] = [];
const agents: Agent[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-agent-tls-'));
  pki = await createTestPki(dir, ['vinh-an-c01', 'vinh-an-c02']);
  // Another CA, with a certificate for the same device id: not one the broker trusts.
  await mkdir(join(dir, 'foreign'));
  foreign = await createTestPki(join(dir, 'foreign'), ['vinh-an-c01']);
  broker = createBroker({
    inventory: await testInventory(),
    port: 0,
    logger: silentLogger(),
    tls: {
      port: 0,
      key: await pki.key('server'),
      cert: await pki.cert('server'),
      ca: pki.ca,
      requireClientCert: true,
    },
    onAccepted: (topic, payload) => {
      accepted.push({ topic, payload: JSON.parse(payload.toString('utf8')) as Record<string, unknown> });
    },
  });
  urls = await broker.start();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

afterAll(async () => {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

/** An agent of vinh-an-c01 with a client certificate and no secret; returns it and its warnings. */
function certificateAgent(cert: { certFile: string; keyFile: string }): { agent: Agent; warnings: string[] } {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const agent = createAgent({
    brokerUrl: urls.tlsUrl ?? '',
    tls: { caFile: pki.file('ca', 'crt'), ...cert },
    deviceId: 'vinh-an-c01',
    province: 'an-giang',
    commune: 'vinh-an',
    kind: 'cluster',
    heartbeatS: 0.05,
    reconnect: { minMs: 10, maxMs: 50 },
    connectTimeoutMs: 2_000,
    logger,
  });
  agents.push(agent);
  return { agent, warnings };
}

const heartbeats = () => accepted.filter((m) => m.topic === topicOf('vinh-an-c01', 'heartbeat'));

it('connects with only a client certificate, and its heartbeats arrive', async () => {
  const { agent } = certificateAgent({
    certFile: pki.file('vinh-an-c01', 'crt'),
    keyFile: pki.file('vinh-an-c01', 'key'),
  });
  await agent.start();
  expect(agent.stats().online).toBe(true);
  await until(() => heartbeats().length >= 3);
  expect(accepted.map((m) => m.topic)).toContain(topicOf('vinh-an-c01', 'meta'));
  expect(
    heartbeats()
      .slice(0, 3)
      .map((m) => m.payload.seq),
  ).toEqual([0, 1, 2]);
});

it('is refused with a certificate of another CA or of another device, and nothing of it arrives', async () => {
  await until(() => agents.length === 0);
  accepted.length = 0;
  const mismatches = broker.metrics().authFailures.certificate_mismatch;

  const other = certificateAgent({
    certFile: foreign.file('vinh-an-c01', 'crt'),
    keyFile: foreign.file('vinh-an-c01', 'key'),
  });
  await other.agent.start();
  // Refused in the TLS handshake, every attempt: wait for a few of them.
  await until(
    () => other.warnings.filter((l) => l.includes('closed before the broker accepted it')).length >= 3,
  );

  const stolen = certificateAgent({
    certFile: pki.file('vinh-an-c02', 'crt'),
    keyFile: pki.file('vinh-an-c02', 'key'),
  });
  await stolen.agent.start();
  await until(() => broker.metrics().authFailures.certificate_mismatch >= mismatches + 2);

  for (const a of [other.agent, stolen.agent]) {
    expect(a.stats()).toMatchObject({ online: false, connects: 0 });
  }
  expect(accepted).toEqual([]);
});
