// What the operator of a box reads when Loa's broker will not take it (issue #14, point 12): one
// plain line per cause, Vietnamese first, logged once (not at every retry) and without a stack; the
// same line in `/v1/status` and in `loa agent`'s start-up line. Real broker, real agent.
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { createBroker, type Broker } from '../broker/index.js';
import { createAgent, REFUSAL_LINES, type Agent, type AgentOptions, type Refusal } from '../devices/index.js';
import { freePort } from '../influx/index.js';
import { silentLogger } from '../runtime/index.js';
import { SECRETS, testInventory } from './fixtures/province.js';
import { eventually } from './wait.js';

interface Line {
  level: number;
  msg: string;
  refusal?: string;
  err?: unknown;
  [key: string]: unknown;
}

const open: (Agent | Broker)[] = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.stop();
});

/** A fresh broker for each case: its failed-login throttle must not carry over from another. */
async function attempt(
  over: Partial<AgentOptions>,
  until: (lines: Line[]) => boolean,
): Promise<{ lines: Line[]; agent: Agent }> {
  const broker = createBroker({ inventory: await testInventory(), port: 0, logger: silentLogger() });
  open.push(broker);
  const { url } = await broker.start();
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const agent = createAgent({
    brokerUrl: url,
    deviceId: 'vinh-an-c01',
    secret: SECRETS['vinh-an-c01'],
    province: 'an-giang',
    commune: 'vinh-an',
    kind: 'cluster',
    hamlets: ['an-hoa'],
    heartbeatS: 60,
    reconnect: { minMs: 20, maxMs: 60 },
    logger,
    ...over,
  });
  open.push(agent);
  await agent.start();
  await eventually(
    () => {
      expect(until(lines)).toBe(true);
    },
    15_000,
    50,
  );
  return { lines, agent };
}

const WARN = 40;

/** The refusal was told once at warn level, with its line, and nothing was logged with a stack. */
function expectToldOnce(lines: Line[], refusal: Refusal): void {
  const told = lines.filter((l) => l.level >= WARN && l.refusal !== undefined);
  expect(told.map((l) => [l.refusal, l.msg])).toEqual([[refusal, REFUSAL_LINES[refusal]]]);
  expect(lines.filter((l) => l.err !== undefined)).toEqual([]);
  expect(lines.map((l) => l.msg)).not.toContain('connection closed before the broker accepted it');
}

const retries = (refusal: Refusal) => (lines: Line[]) =>
  lines.filter((l) => l.refusal === refusal).length >= 3;

it('a wrong secret: "sai mật khẩu …" once, not "broker not reachable"', async () => {
  const { lines, agent } = await attempt({ secret: 'not-the-secret' }, retries('bad_credentials'));
  expectToldOnce(lines, 'bad_credentials');
  expect(REFUSAL_LINES.bad_credentials).toMatch(/^sai mật khẩu, hoặc mã thiết bị không có trong danh mục/);
  expect(agent.stats().refusal).toEqual({ refusal: 'bad_credentials', line: REFUSAL_LINES.bad_credentials });
});

it('an unknown device id: the same line (CONNACK 4 does not say which, on purpose)', async () => {
  const { lines } = await attempt({ deviceId: 'vinh-an-c99', secret: 'x' }, retries('bad_credentials'));
  expectToldOnce(lines, 'bad_credentials');
});

it('an FM device: not authorized, with the reason', async () => {
  const { lines } = await attempt({ deviceId: 'vinh-an-fm03', secret: 'x' }, retries('not_authorized'));
  expectToldOnce(lines, 'not_authorized');
  expect(REFUSAL_LINES.not_authorized).toContain('FM');
});

it('a wrong commune: "sai tỉnh/xã", not a TLS problem', async () => {
  const { lines, agent } = await attempt({ commune: 'tan-lap' }, retries('wrong_place'));
  expectToldOnce(lines, 'wrong_place');
  expect(agent.stats().online).toBe(false);
});

it('locked out after failed logins: server unavailable, retrying', async () => {
  // Five wrong secrets from this address first (the broker's throttle), then the agent itself.
  const { lines } = await attempt({ secret: 'wrong' }, retries('server_unavailable'));
  const told = lines.filter((l) => l.level >= WARN && l.refusal !== undefined).map((l) => l.refusal);
  expect(told).toEqual(['bad_credentials', 'server_unavailable']);
  expect(REFUSAL_LINES.server_unavailable).toMatch(/^máy chủ tạm từ chối: thiết bị bị khóa tạm thời/);
  expect(lines.filter((l) => l.err !== undefined)).toEqual([]);
});

it('no broker listening: "not reachable" once, without a stack', async () => {
  const port = await freePort();
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const agent = createAgent({
    brokerUrl: `mqtt://127.0.0.1:${port}`,
    deviceId: 'vinh-an-c01',
    secret: 'x',
    province: 'an-giang',
    commune: 'vinh-an',
    kind: 'cluster',
    heartbeatS: 60,
    reconnect: { minMs: 20, maxMs: 60 },
    probe: () => Promise.reject(new Error('sensor gone')),
    logger,
  });
  open.push(agent);
  await agent.start();
  await eventually(
    () => {
      expect(retries('unreachable')(lines)).toBe(true);
    },
    15_000,
    50,
  );
  expectToldOnce(lines, 'unreachable');
  expect(lines.find((l) => l.refusal === 'unreachable')).toMatchObject({ code: 'ECONNREFUSED' });
});
