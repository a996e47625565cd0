// `npm run soak`: a chaos soak (issue #14). A simulated province (the simulator's real agents, heartbeat
// 10 s) runs through `loa up` for `--minutes` while, every `--chaos-every` seconds, one of these happens
// in turn: links of 10 % of the devices cut (a scenario fault), `loa up` killed with SIGKILL and started
// again, its influxd killed with SIGKILL, a guessing flood of wrong passwords for one device, the broker
// restarted (a graceful `loa up` restart), a device publishing on a poison topic of its own. At the end
// the simulator's own `--verify` judges what was acknowledged and what each fault should have raised;
// this file only adds what a soak has and a scenario run has not (restarts, pages during restarts,
// memory, the flood and the poison topic). Not part of `npm test`; see docs/performance.md.
//
//   npm run soak -- --minutes 30 --devices 2000 --chaos-every 180
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { readRecord } from '../cli/index.js';
import { DEFAULT_ALERT_RULES } from '../coverage/index.js';
import { messages } from '../i18n/index.js';
import { createInfluxQl, freePort, LONG_RETENTION_POLICY, type InfluxQl } from '../influx/index.js';
import { ALERT, hashSecret, HEARTBEAT, loadInventory } from '../protocol/index.js';
import {
  createSimulation,
  generateProvince,
  parseScenario,
  SIMULATOR_SCRYPT_COST,
  verifyRun,
  writeProvince,
  type SimulationReport,
} from '../simulator/index.js';
import { fmt, median, printTable, type Row } from './stats.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    devices: { type: 'string', default: '2000' },
    'chaos-every': { type: 'string', default: '180' },
    heartbeat: { type: 'string', default: '10' },
    'restart-cycles': { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const minutes = Number(args.minutes);
const wantedDevices = Number(args.devices);
const chaosEveryS = Number(args['chaos-every']);
const heartbeatS = Number(args.heartbeat);
// `loa up` is killed and restarted in the first rotations only: the process alive at the end then has
// the rest of the run to show whether its memory grows (a restart starts a new process from scratch).
const restartCycles = Number(args['restart-cycles']);
const root = new URL('..', import.meta.url).pathname;
const say = (line: string) =>
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

type Action = 'link_cut' | 'kill_up' | 'kill_influxd' | 'guess_flood' | 'restart_broker' | 'poison_topic';
const ROTATION: readonly Action[] = [
  'link_cut',
  'kill_up',
  'kill_influxd',
  'guess_flood',
  'restart_broker',
  'poison_topic',
];

// ---- the province: the simulator's generator, with two extra devices only `loa up` knows ----------
const dir = await mkdtemp(join(tmpdir(), 'loa-soak-'));
const data = join(dir, 'data');
// A commune of the default shape has about 7.3 monitored devices (a station, 4 hamlets × 2 clusters, 10 % FM).
const communes = Math.max(1, Math.ceil(wantedDevices / 7.3));
const generated = await generateProvince({
  provinceId: 'an-giang',
  provinceName: 'An Giang',
  communes,
  hamletsPerCommune: 4,
  clustersPerHamlet: 2,
  fmShare: 0.1,
  stations: true,
  seed: 14,
  heartbeatS,
});
const { inventoryFile } = await writeProvince(join(dir, 'sim'), generated);
const simInventory = await loadInventory(join(dir, 'sim', 'inventory'));
const firstCommune = generated.inventory.communes[0];
if (firstCommune === undefined) throw new Error('no commune generated');
const extra = { poison: 'soak-poison', honest: 'soak-honest' } as const;
const extraSecret = 'soak-extra-secret';
const upInventory = structuredClone(generated.inventory);
const extraHash = await hashSecret(extraSecret, SIMULATOR_SCRYPT_COST);
const upCommune = upInventory.communes[0];
if (upCommune === undefined) throw new Error('no commune generated');
upCommune.devices = [
  ...(upCommune.devices ?? []),
  { id: extra.poison, kind: 'station', link: 'ethernet', secret: extraHash },
  { id: extra.honest, kind: 'station', link: 'ethernet', secret: extraHash },
];
await mkdir(join(dir, 'up-inventory'));
await writeFile(join(dir, 'up-inventory', 'an-giang.yaml'), stringify(upInventory));
const monitored = [...simInventory.allDevices()].filter((d) => d.monitored);
say(`${monitored.length} monitored devices in ${communes} communes (${inventoryFile}); data ${data}`);

// ---- `loa up`, started again and again on the same ports and data --------------------------------
const ports = { mqtt: await freePort(), http: await freePort(), influx: await freePort() };
const brokerUrl = `mqtt://127.0.0.1:${ports.mqtt}`;
const healthUrl = `http://127.0.0.1:${ports.http}/healthz`;
let up: ChildProcess | undefined;
const upLog: string[] = [];

/** Since the spawn: until the broker accepts a device's login, and until the banner (everything up). */
interface StartTimes {
  acceptingMs: number;
  upMs: number;
}

/** Each `loa up` process: when it started (s into the run), for its RSS after 5 min of its own. */
const processes: { pid: number; atS: number }[] = [];

async function startUp(): Promise<StartTimes> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/main.ts',
      'up',
      '--inventory',
      join(dir, 'up-inventory'),
      '--data',
      data,
      '--mqtt-port',
      String(ports.mqtt),
      '--http-port',
      String(ports.http),
      '--influx-port',
      String(ports.influx),
    ],
    {
      cwd: root,
      env: { ...process.env, LOA_LOG_FORMAT: 'json', LOA_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  up = child;
  if (child.pid !== undefined) processes.push({ pid: child.pid, atS: runSeconds() });
  const accepting = (async () => {
    // A real login, as the fleet's agents make it (the broker accepts before influxd is up).
    while (child.exitCode === null && child.signalCode === null) {
      const ok = await connect(extra.honest, extraSecret, { connectTimeout: 2000 }).then(
        async (c) => {
          await c.endAsync();
          return true;
        },
        () => false,
      );
      if (ok) return performance.now() - started;
      await sleep(100);
    }
    return Number.NaN;
  })();
  const keep = (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l !== '') upLog.push(l);
    if (upLog.length > 2000) upLog.splice(0, upLog.length - 2000);
  };
  child.stderr.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      // The banner's last lines (its labels are in the operator's language): the metrics URL, then the data folder.
      if (out.includes(`:${ports.http}/metrics`)) resolve();
      keep(b);
    });
    child.once('exit', (code) => {
      reject(new Error(`loa up exited (${code}) before it was up:\n${upLog.slice(-20).join('\n')}`));
    });
  });
  const upMs = performance.now() - started;
  return { acceptingMs: await accepting, upMs };
}

async function stopUp(signal: NodeJS.Signals): Promise<void> {
  const child = up;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function rssMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

async function healthStatus(): Promise<number> {
  return fetch(healthUrl).then(
    (r) => r.status,
    () => 0,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** When the simulation started (the chaos times count from it), and seconds since. */
let t0 = 0;
const runSeconds = () => (t0 === 0 ? 0 : (Date.now() - t0) / 1000);

// ---- the scenario: link cuts at the chaos times reserved for them ---------------------------------
const durationS = minutes * 60;
const restarts: ReadonlySet<Action> = new Set(['kill_up', 'restart_broker']);
const sequence: Action[] = [];
const slotCount = Math.max(0, Math.floor((durationS - 60) / chaosEveryS));
for (let cycle = 0; sequence.length < slotCount; cycle++) {
  for (const action of ROTATION) if (cycle < restartCycles || !restarts.has(action)) sequence.push(action);
}
const slots = sequence.slice(0, slotCount).map((action, i) => ({ atS: (i + 1) * chaosEveryS, action }));
const cutPick = Math.max(1, Math.round(monitored.length / 10));
const scenarioText = stringify({
  duration: `${durationS}s`,
  seed: 14,
  faults: slots
    .filter((s) => s.action === 'link_cut')
    .map((s) => ({ at: `${s.atS}s`, kind: 'link_drop', for: '60s', target: { pick: cutPick } })),
});

// ---- chaos actions, each measured --------------------------------------------------------------------
const measured = {
  upKills: [] as StartTimes[],
  brokerRestarts: [] as StartTimes[],
  influxdRed: [] as number[],
  influxdBack: [] as number[],
  flood: [] as { victim: string; honestMs: number[]; at: number; owner: string }[],
  poison: [] as { acked: boolean; kept: boolean; heartbeatStored: boolean; recorded: boolean }[],
  rss: [] as { pid: number; atS: number; mb: number }[],
};

async function killUp(): Promise<void> {
  await stopUp('SIGKILL');
  measured.upKills.push(await startUp());
}

async function restartBroker(): Promise<void> {
  await stopUp('SIGTERM');
  measured.brokerRestarts.push(await startUp());
}

async function killInfluxd(): Promise<void> {
  const pid = Number((await readFile(join(data, 'influxdb', 'influxd.pid'), 'utf8')).trim());
  const killedAt = performance.now();
  process.kill(pid, 'SIGKILL');
  let red: number | undefined;
  for (let i = 0; i < 1200; i++) {
    const status = await healthStatus();
    if (status === 503 && red === undefined) red = performance.now() - killedAt;
    if (status === 200 && red !== undefined) {
      measured.influxdBack.push(performance.now() - killedAt);
      break;
    }
    await sleep(50);
  }
  measured.influxdRed.push(red ?? Number.NaN);
}

function connect(clientId: string, password: string, extraOptions: mqtt.IClientOptions = {}) {
  return mqtt.connectAsync(brokerUrl, {
    clientId,
    username: clientId,
    password,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...extraOptions,
  });
}

/**
 * A client whose connection leaves from `localAddress` (any 127.x.y.z is this machine on Linux): the
 * guesser of the flood is another host than the fleet, as an attacker on the Internet would be.
 */
function connectFrom(localAddress: string, clientId: string, password: string): Promise<MqttClient> {
  const { hostname, port } = new URL(brokerUrl);
  const client = new mqtt.MqttClient(
    () => createConnection({ host: hostname, port: Number(port), localAddress }),
    {
      clientId,
      username: clientId,
      password,
      reconnectPeriod: 0,
      connectTimeout: 15_000,
      protocolVersion: 4,
    },
  );
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      resolve(client);
    });
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => {
      reject(new Error('connection closed before CONNACK'));
    });
  });
}

/** The flood's source: not the fleet's address (127.0.0.1). */
const GUESSER_ADDRESS = '127.0.0.2';

/**
 * 300 wrong passwords for one simulated device at once from another address than the fleet's, while an
 * honest device logs in again and again. All of the fleet shares 127.0.0.1 here; a real guesser does
 * not share the device's own address, and the broker throttles by (client id, address) and by address
 * (issue #14, point 1): a flood from the fleet's own address would throttle that address by design.
 */
async function guessFlood(): Promise<void> {
  const victim = monitored[Math.floor(monitored.length / 2)]?.device ?? '';
  const at = Date.now();
  const honestMs: number[] = [];
  const flood = { on: true };
  const honest = (async () => {
    while (flood.on) {
      const t = performance.now();
      try {
        const c = await connect(extra.honest, extraSecret);
        honestMs.push(performance.now() - t);
        await c.endAsync();
      } catch {
        honestMs.push(Number.POSITIVE_INFINITY);
      }
      await sleep(200);
    }
  })();
  const started = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: 300 }, () => connectFrom(GUESSER_ADDRESS, victim, 'wrong-guess')),
  );
  flood.on = false;
  await honest;
  for (const r of results) if (r.status === 'fulfilled') await r.value.endAsync();
  say(`guess flood on ${victim}: 300 refused in ${fmt(performance.now() - started)} ms`);
  // The owner, right after, from the same address with its right secret (issue #14, point 1). It takes
  // the session over from its virtual agent, which then reconnects by itself.
  const owner = await connect(victim, generated.secrets[victim] ?? '').then(
    async (c) => {
      await c.endAsync();
      return 'accepted';
    },
    (error: unknown) => `refused (${(error as Error).message})`,
  );
  say(`owner ${victim} after the flood: ${owner}`);
  measured.flood.push({ victim, honestMs, at, owner });
}

/** A device with an outbox publishing QoS 1 on an unknown channel of its own: acknowledged and kept? */
async function poisonTopic(): Promise<void> {
  const prefix = `loa/v1/an-giang/${firstCommune?.id ?? ''}/${extra.poison}`;
  let client: MqttClient | undefined;
  const link = { closed: false };
  let acked = false;
  let heartbeatStored = false;
  let recorded = false;
  // Judged before the soak closes the connection itself (which fires 'close' too).
  let kept = false;
  const sentAt = Date.now();
  try {
    client = await connect(extra.poison, extraSecret);
    client.on('close', () => {
      link.closed = true;
    });
    acked = await Promise.race([
      client.publishAsync(`${prefix}/diag`, '{"v":1}', { qos: 1 }).then(() => true),
      sleep(5000).then(() => false),
    ]);
    if (!link.closed) {
      const ts = Date.now();
      await Promise.race([
        client.publishAsync(
          `${prefix}/heartbeat`,
          JSON.stringify({ v: 1, ts, seq: 1, uptime_s: 1, power: 'mains', amp: 'on' }),
          { qos: 1 },
        ),
        sleep(5000),
      ]);
      await sleep(3000);
      kept = !link.closed;
      const ql = await influx();
      const rows = await ql.query(
        `SELECT count("${HEARTBEAT.field.seq}") FROM "${HEARTBEAT.name}" WHERE "${HEARTBEAT.tag.device}" = '${extra.poison}' AND time >= ${ts}ms`,
      );
      heartbeatStored = Number(rows[0]?.values[0]?.[1] ?? 0) > 0;
      // docs/protocol.md §9: acknowledged, and recorded as a reject with its reason.
      const rejects = await ql.query(
        `SELECT count("detail") FROM reject WHERE reason = 'unknown_channel' AND "topic" = '${prefix}/diag' AND time >= ${sentAt}ms`,
      );
      recorded = Number(rejects[0]?.values[0]?.[1] ?? 0) > 0;
      ql.close();
    }
  } catch (error) {
    say(`poison device: ${(error as Error).message}`);
  } finally {
    await client?.endAsync(true).catch(() => undefined);
  }
  measured.poison.push({ acked, kept, heartbeatStored, recorded });
  say(
    `poison topic: PUBACK ${acked ? 'yes' : 'no'}, reject ${recorded ? 'recorded' : 'not recorded'}, connection ${kept ? 'kept' : 'closed'}`,
  );
}

async function influx(): Promise<InfluxQl> {
  const record = await readRecord(data);
  return createInfluxQl({ url: record.influx, database: record.database, ...record.influxAuth });
}

// ---- the run ---------------------------------------------------------------------------------------
process.once('SIGINT', () => {
  up?.kill('SIGKILL');
  process.exit(130);
});
say(
  `loa up started in ${fmt((await startUp()).upMs)} ms; ${slots.length} chaos actions every ${chaosEveryS} s over ${minutes} min`,
);
const simulation = createSimulation({
  brokerUrl,
  inventory: simInventory,
  secrets: generated.secrets,
  heartbeatS,
  logger: pino({ level: 'error' }),
  scenario: parseScenario(scenarioText, 'soak-scenario.yaml', simInventory),
  startSpreadMs: 5000,
});
t0 = Date.now();
await simulation.start();
const sampler = setInterval(() => {
  const pid = up?.pid;
  void rssMb(pid).then((mb) => {
    if (mb !== undefined && pid !== undefined) measured.rss.push({ pid, atS: runSeconds(), mb });
  });
}, 10_000);
const done: Action[] = [];
for (const slot of slots) {
  await sleep(Math.max(0, t0 + slot.atS * 1000 - Date.now()));
  const s = simulation.stats();
  say(
    `t=${slot.atS}s ${slot.action} · ${s.online}/${s.devices} online · ${fmt(s.acked)} acked · ${s.pending} pending`,
  );
  try {
    if (slot.action === 'kill_up') await killUp();
    else if (slot.action === 'restart_broker') await restartBroker();
    else if (slot.action === 'kill_influxd') await killInfluxd();
    else if (slot.action === 'guess_flood') await guessFlood();
    else if (slot.action === 'poison_topic') await poisonTopic();
    done.push(slot.action);
  } catch (error) {
    say(`${slot.action} failed: ${(error as Error).message}`);
    if (up?.exitCode !== null || up.signalCode !== null) await startUp();
  }
}
await sleep(Math.max(0, t0 + durationS * 1000 - Date.now()));
clearInterval(sampler);
say('stopping the simulation; then --verify');
const drained = await simulation.drain(120_000);
await simulation.stop();
const report: SimulationReport = simulation.report();
const ql = await influx();
const verification = await verifyRun({
  ql,
  inventory: simInventory,
  report,
  heartbeatMs: () => heartbeatS * 1000,
  timeoutMs: 180_000,
  // The rows below sort its findings by their English words.
  messages: messages('en'),
});

// ---- what the soak adds: once-and-resolved, pages during restarts ---------------------------------
interface AlertRow {
  time: number;
  device: string;
  state: string;
  since: number;
}
const alerts: AlertRow[] = [];
for (const s of await ql.query(
  `SELECT "${ALERT.field.device}", "${ALERT.field.since}" FROM ${LONG_RETENTION_POLICY}."${ALERT.name}" WHERE time >= ${report.startedAt}ms AND "${ALERT.tag.kind}" = 'device_offline' GROUP BY "${ALERT.tag.state}"`,
)) {
  for (const v of s.values) {
    alerts.push({
      time: Number(v[0]),
      device: String(v[1]),
      since: Number(v[2]),
      state: s.tags?.state ?? '',
    });
  }
}
const outages = new Map<string, [number, number][]>();
for (const f of report.faults) {
  const start = f.kind === 'power_cut' ? f.darkAt : f.start;
  if (start === undefined) continue;
  for (const d of f.devices) outages.set(d, [...(outages.get(d) ?? []), [start, f.end ?? report.stoppedAt]]);
}
const firing = alerts.filter((a) => a.state === 'firing');
const inOutage = (a: AlertRow) =>
  (outages.get(a.device) ?? []).some(([lo, hi]) => a.since >= lo - 15_000 && a.since <= hi + 15_000);
// The soak's own poison device sends one heartbeat, then goes silent for good: its page 3 heartbeats
// later is due (it is not the fleet, and nothing restarted it).
const soakDevices: ReadonlySet<string> = new Set(Object.values(extra));
const ownPages = firing.filter((a) => soakDevices.has(a.device));
const restartPages = firing.filter(
  (a) => !soakDevices.has(a.device) && !inOutage(a) && !measured.flood.some((f) => f.victim === a.device),
);
const floodPages = firing.filter((a) =>
  measured.flood.some((f) => f.victim === a.device && a.since >= f.at - 15_000),
);
let twice = 0;
let unresolved = 0;
let tooRecent = 0;
// The engine resolves device_offline only after the device is back for resolveAfterMs (hysteresis).
const { resolveAfterMs } = DEFAULT_ALERT_RULES.device_offline;
const resolvedBy = report.stoppedAt - resolveAfterMs - 30_000;
// A device cut again before its first page was resolved has one outage and one page (a condition that
// returns within the resolve delay keeps the one alert firing): its cuts are judged as one.
const cuts = new Map<string, [number, number][]>();
for (const f of report.faults.filter((x) => x.kind === 'link_drop' && (x.end ?? 0) - x.start >= 15_000)) {
  for (const d of f.devices) cuts.set(d, [...(cuts.get(d) ?? []), [f.start, f.end ?? report.stoppedAt]]);
}
for (const [d, spans] of cuts) {
  const merged: [number, number][] = [];
  for (const [start, end] of spans.sort((x, y) => x[0] - y[0])) {
    const previous = merged.at(-1);
    if (previous !== undefined && start - previous[1] < resolveAfterMs + 30_000) previous[1] = end;
    else merged.push([start, end]);
  }
  for (const [start, end] of merged) {
    if (end > resolvedBy) {
      tooRecent += 1;
      continue;
    }
    const mine = firing.filter((a) => a.device === d && a.since >= start - 15_000 && a.since <= end);
    if (mine.length > 1) twice += 1;
    const resolved = alerts.some((a) => a.device === d && a.state === 'resolved' && a.time >= end);
    if (mine.length > 0 && !resolved) unresolved += 1;
  }
}
ql.close();
await stopUp('SIGTERM');

// ---- the table -------------------------------------------------------------------------------------
const messageProblems = verification.problems.filter((p) =>
  /acknowledged but not stored|never sent|more than once/.test(p),
);
const faultProblems = verification.problems.filter((p) => !messageProblems.includes(p));
const stored = verification.held.find((l) => l.startsWith('acknowledged messages stored once')) ?? '';
// The process alive at the end, from 5 min after its own start (a restarted process starts from scratch).
const last = processes.at(-1);
const ownRss = measured.rss.filter((r) => r.pid === last?.pid);
const rssFrom = ownRss.find((r) => r.atS >= (last?.atS ?? 0) + 300);
const rssAt5 = rssFrom?.mb;
const rssEnd = ownRss.at(-1)?.mb;
const rssWindow =
  rssFrom === undefined || last === undefined
    ? ''
    : `the process started at ${fmt(last.atS)} s: ${fmt(rssFrom.atS)} s → ${fmt(ownRss.at(-1)?.atS ?? 0)} s, `;
const times = (list: StartTimes[]) =>
  list.length === 0
    ? 'not run'
    : `accepting after ${fmt(median(list.map((l) => l.acceptingMs)))} ms, all up after ${fmt(median(list.map((l) => l.upMs)))} ms (medians, ${list.length}×)`;
const honest = measured.flood.flatMap((f) => f.honestMs);
const rows: Row[] = [
  {
    name: `soak: ${monitored.length} devices, heartbeat ${heartbeatS} s, ${minutes} min, chaos every ${chaosEveryS} s`,
    value: `${fmt(report.ledgers.size)} agents; ${done.length} chaos actions (${ROTATION.map((a) => `${a} ×${done.filter((d) => d === a).length}`).join(', ')})`,
    target: '≥ 2,000 devices, 30 min',
    verdict: monitored.length >= 2000 && minutes >= 30 ? 'meets' : 'misses',
  },
  {
    name: 'acknowledged = stored exactly once (every device)',
    value: `${stored.replace('acknowledged messages stored once: ', '')}; ${messageProblems.length} problem(s)${drained ? '' : '; outboxes not drained'}`,
    target: '0 lost, 0 duplicated',
    verdict: messageProblems.length === 0 && drained ? 'meets' : 'misses',
  },
  {
    name: 'alerts due for the faults raised (simulator --verify)',
    value: `${faultProblems.length} missing of ${report.faults.length} faults${faultProblems.length > 0 ? `: ${faultProblems.slice(0, 2).join(' | ')}` : ''}`,
    target: 'every one',
    verdict: faultProblems.length === 0 ? 'meets' : 'misses',
  },
  {
    name: 'device_offline per link-cut outage: once, and resolved',
    value: `${twice} raised twice, ${unresolved} not resolved${tooRecent > 0 ? ` (${tooRecent} ended too late to judge resolution)` : ''}`,
    target: '0 and 0',
    verdict: twice === 0 && unresolved === 0 ? 'meets' : 'misses',
  },
  {
    name: 'device_offline paged for devices only waiting through a restart',
    value: `${restartPages.length} (of ${firing.length} device_offline raised${ownPages.length > 0 ? `; ${ownPages.length} for the soak's poison device, silent after its one heartbeat: due` : ''})`,
    target: '0',
    verdict: restartPages.length === 0 ? 'meets' : 'misses',
  },
  {
    name: 'loa up RSS: 5 min after its start → end',
    value:
      rssAt5 === undefined || rssEnd === undefined
        ? 'the last process ran less than 5 min'
        : `${rssWindow}${fmt(rssAt5)} MB → ${fmt(rssEnd)} MB`,
    target: 'within 10 %',
    ratio: rssAt5 === undefined || rssEnd === undefined ? '' : `${fmt((100 * rssEnd) / rssAt5)} %`,
    verdict: rssAt5 !== undefined && rssEnd !== undefined && rssEnd <= rssAt5 * 1.1 ? 'meets' : 'misses',
  },
  {
    name: 'loa up SIGKILL → broker accepting again',
    value: measured.upKills.length === 0 ? 'not run' : times(measured.upKills),
    target: 'comes back; nothing lost',
    verdict: 'info',
  },
  {
    name: 'broker restart (graceful loa up restart)',
    value: measured.brokerRestarts.length === 0 ? 'not run' : times(measured.brokerRestarts),
    target: 'comes back; nothing lost',
    verdict: 'info',
  },
  {
    name: 'influxd SIGKILL → /healthz 503 → restarted, 200',
    value:
      measured.influxdRed.length === 0
        ? 'not run'
        : `red after ${fmt(median(measured.influxdRed))} ms, back after ${fmt(median(measured.influxdBack))} ms (${measured.influxdRed.length}×)`,
    target: 'red at once, restarted',
    verdict:
      measured.influxdBack.length === measured.influxdRed.length && measured.influxdRed.length > 0
        ? 'meets'
        : 'misses',
  },
  {
    name: 'guessing flood (300 wrong passwords at once for one device)',
    value:
      measured.flood.length === 0
        ? 'not run'
        : `owner's own login after it: ${measured.flood.map((f) => f.owner).join(', ')}; victim paged device_offline ${floodPages.length}×; another device's logins meanwhile p50 ${fmt(median(honest.filter(Number.isFinite)))} ms, ${honest.filter((h) => !Number.isFinite(h)).length} refused`,
    target: 'owner not locked out; honest logins fast (broker half)',
    verdict:
      measured.flood.length > 0 &&
      measured.flood.every((f) => f.owner === 'accepted') &&
      floodPages.length === 0 &&
      honest.every(Number.isFinite)
        ? 'meets'
        : 'misses',
  },
  {
    name: 'poison topic (QoS 1 on …/{device}/diag)',
    value:
      measured.poison.length === 0
        ? 'not run'
        : measured.poison
            .map(
              (p) =>
                `PUBACK ${p.acked ? 'yes' : 'no'}, reject ${p.recorded ? 'recorded' : 'not recorded'}, connection ${p.kept ? 'kept' : 'closed'}, next heartbeat ${p.heartbeatStored ? 'stored' : 'not stored'}`,
            )
            .join('; '),
    target: 'acknowledged, recorded, connection kept (broker half)',
    verdict:
      measured.poison.length > 0 &&
      measured.poison.every((p) => p.acked && p.recorded && p.kept && p.heartbeatStored)
        ? 'meets'
        : 'misses',
  },
];
printTable(rows);
if (verification.problems.length > 0) {
  process.stdout.write(`\n--verify problems (${verification.problems.length}):\n`);
  for (const p of verification.problems.slice(0, 20)) process.stdout.write(`  ${p}\n`);
}
if (args.keep) {
  await writeFile(join(dir, 'up.log'), `${upLog.join('\n')}\n`);
  say(`kept ${dir} (the last lines loa up logged: up.log)`);
} else await rm(dir, { recursive: true, force: true });
process.exit(rows.some((r) => r.verdict === 'misses') ? 1 : 0);
