// The embedded broker under load (issue #3): device connections held by one `loa broker` process and
// its memory, a connect storm (every device reconnecting within 10 s), and QoS 1 msgs/s through the
// broker with authentication and access rules on versus bare aedes, both in a process of their own.
//
// Secrets are hashed at the real cost (`loa secret hash`, scrypt N=16384): the first connect of each
// device after a broker start pays one scrypt verification; later ones hit the credential cache (one
// HMAC), which is what makes a reconnect storm cheap. 10,000 scrypt verifications take a quarter of an
// hour on this machine, so the cold path is measured on a sample (COLD_SAMPLE devices) and
// extrapolated, and the held fleet starts from the credential cache a previous start would have left.
// A second fleet has machine-generated secrets (`loa secret new`: one HMAC per login, nothing kept).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { CredentialStore } from '../broker/index.js';
import { hashSecret, newMachineSecret } from '../protocol/index.js';
import { connectPacket, rawClient } from '../test/raw-mqtt.js';
import { median, percentile } from './stats.js';

export interface BrokerBenchResult {
  devices: number;
  /** Devices connected to a cold broker, each paying scrypt once (a sample of the fleet). */
  coldSample: number;
  /** Seconds for that sample, and extrapolated to the whole fleet at the same rate. */
  coldSampleSeconds: number;
  coldConnectSeconds: number;
  /** Broker RSS with every device connected and idle (60 s keepalive), and per connection. */
  heldRssMb: number;
  idleRssMb: number;
  /** Every device dropped at once and reconnecting spread over 10 s: time until all are back. */
  stormSeconds: number;
  stormRefused: number;
  /**
   * The broker killed and started again on the same credential cache, every device reconnecting at once
   * (200 at a time, each a bare socket): seconds from the new start until all are accepted.
   */
  restartSeconds: number;
  restartRefused: number;
  /** The same for a fleet whose secrets come from `loa secret new` (nothing kept across the restart). */
  machineRestartSeconds: number;
  machineRestartRefused: number;
  /**
   * Honest logins (each a device not verified yet: one scrypt) one after another, in ms: alone, and
   * while 300 connections from another address send wrong secrets as fast as they are answered.
   */
  login: { median: number; p99: number };
  loginUnderFlood: { median: number; p99: number; guesses: number };
  /** QoS 1 msgs/s through the broker, medians of repeats. */
  authRate: number;
  bareRate: number;
}

const SECRET = 'bench-secret-not-for-production';
/** Devices whose first connect is timed with scrypt each: ~25 s at 50 ms, minutes on a loaded machine. */
const COLD_SAMPLE = 500;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** A fleet: its inventory folder, its device ids and each device's secret. */
interface Fleet {
  inventory: string;
  ids: string[];
  secrets: ReadonlyMap<string, string>;
}

/** The fleet of scrypt secrets: one hash shared by all devices (the broker verifies per device anyway). */
async function scryptFleet(dir: string, devices: number): Promise<Fleet & { hash: string }> {
  const hash = await hashSecret(SECRET);
  const ids = Array.from({ length: devices }, (_, i) => `bench-d${i}`);
  const secrets = new Map(ids.map((id) => [id, SECRET]));
  return { ...(await writeFleet(join(dir, 'inventory'), ids, secrets, () => hash)), hash };
}

/** The fleet of machine-generated secrets (`loa secret new`), one per device. */
async function machineFleet(dir: string, devices: number): Promise<Fleet> {
  const ids = Array.from({ length: devices }, (_, i) => `bench-m${i}`);
  const made = new Map(ids.map((id) => [id, newMachineSecret()]));
  const secrets = new Map(ids.map((id) => [id, made.get(id)?.secret ?? '']));
  return writeFleet(join(dir, 'machine-inventory'), ids, secrets, (id) => made.get(id)?.hash ?? '');
}

async function writeFleet(
  inventory: string,
  ids: string[],
  secrets: ReadonlyMap<string, string>,
  hashOf: (id: string) => string,
): Promise<Fleet> {
  const perCommune = 100;
  const lines = ['province: { id: bench, name: "Bench" }', 'communes:'];
  for (let c = 0; c * perCommune < ids.length; c++) {
    lines.push(`  - id: c${c}`, `    name: "C${c}"`, '    hamlets: [{ id: h, name: "H" }]', '    devices:');
    for (const id of ids.slice(c * perCommune, (c + 1) * perCommune)) {
      lines.push(`      - { id: ${id}, kind: cluster, hamlets: [h], link: 4g, secret: "${hashOf(id)}" }`);
    }
  }
  await mkdir(inventory, { recursive: true });
  await writeFile(join(inventory, 'bench.yaml'), `${lines.join('\n')}\n`);
  return { inventory, ids, secrets };
}

/**
 * The credential cache as a broker that had verified every device would have left it: written with
 * the broker's own store, so that the held fleet and the restart start from it without 10,000 scrypts.
 */
async function keptCredentials(file: string, fleet: Fleet, hash: string): Promise<void> {
  const store = new CredentialStore();
  await store.open(file);
  for (const id of fleet.ids) {
    store.remember(`d:${id}`, hash, store.digest(Buffer.from(fleet.secrets.get(id) ?? '', 'utf8')));
  }
}

/** `args` start with a script: bin/loa.js (the build, as operators run it) or a TypeScript file. */
function spawnBroker(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const [script = '', ...rest] = args;
  const command = script.endsWith('.ts') ? [process.execPath, '--import', 'tsx', script] : [script];
  const [file = '', ...head] = command;
  const child = spawn(file, [...head, ...rest], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOA_LOG_LEVEL: 'error', LOA_LOG_FORMAT: 'json' },
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(?:port |mqtt:\/\/[^:]+:)(\d+)/.exec(out);
      if (m?.[1]) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => {
      reject(new Error(`broker exited with ${code}: ${out}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGKILL');
  });
}

function once(client: MqttClient): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = () => {
      client.off('error', bad);
      resolve(true);
    };
    const bad = () => {
      client.off('connect', ok);
      resolve(false);
    };
    client.once('connect', ok);
    client.once('error', bad);
  });
}

/** Runs `task` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

/** `loa broker` on a free port, with its verified credentials kept in `cache` (issue #14, point 3). */
function spawnLoaBroker(inventory: string, cache: string) {
  // The build, as operators run it (`npm run bench` builds first).
  return spawnBroker([
    'bin/loa.js',
    'broker',
    '--inventory',
    inventory,
    '--port',
    '0',
    '--http-port',
    '0',
    '--credential-cache',
    cache,
  ]);
}

/** Connects every device, 200 at a time; the clients and how many were refused. */
async function connectAll(port: number, fleet: Fleet, ids: readonly string[] = fleet.ids) {
  const clients: MqttClient[] = [];
  let refused = 0;
  await pool(ids, 200, async (id) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      clientId: id,
      username: id,
      password: fleet.secrets.get(id) ?? '',
      protocolVersion: 4,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 120_000,
    });
    client.on('error', () => undefined);
    clients.push(client);
    if (!(await once(client))) refused++;
  });
  return { clients, refused };
}

/**
 * Logs every device in on a bare socket (CONNECT, then its CONNACK), 200 at a time, and holds the
 * connections until all are in. Lighter than 10,000 mqtt.js clients, whose creation in this one process
 * would otherwise be timed along with the broker (real devices are each their own machine).
 */
async function acceptAll(port: number, fleet: Fleet): Promise<{ sockets: Socket[]; refused: number }> {
  const sockets: Socket[] = [];
  let refused = 0;
  await pool(fleet.ids, 200, async (id) => {
    const socket = connect({ port, host: '127.0.0.1' });
    sockets.push(socket);
    const code = await new Promise<number>((resolve) => {
      socket.once('error', () => {
        resolve(-1);
      });
      socket.once('close', () => {
        resolve(-1);
      });
      // The CONNACK is the broker's first packet: 0x20, length 2, flags, return code.
      socket.once('data', (chunk: Buffer) => {
        resolve(chunk[0] === 0x20 ? (chunk[3] ?? -1) : -1);
      });
      socket.once('connect', () => {
        socket.write(connectPacket(id, id, fleet.secrets.get(id) ?? ''));
      });
    });
    if (code !== 0) refused++;
  });
  return { sockets, refused };
}

/** The broker SIGKILLed and started again: seconds from the new start until its whole fleet is back. */
async function restart(fleet: Fleet, cache: string) {
  const started = Date.now();
  const { child, port } = await spawnLoaBroker(fleet.inventory, cache);
  try {
    const { sockets, refused } = await acceptAll(port, fleet);
    const seconds = (Date.now() - started) / 1000;
    for (const socket of sockets) socket.destroy();
    return { seconds, refused };
  } finally {
    await stopChild(child);
  }
}

/** The first connects of COLD_SAMPLE devices to a broker that has verified none: one scrypt each. */
async function coldSample(fleet: Fleet, cache: string) {
  const { child, port } = await spawnLoaBroker(fleet.inventory, cache);
  try {
    const started = Date.now();
    const sample = fleet.ids.slice(0, COLD_SAMPLE);
    const { clients, refused } = await connectAll(port, fleet, sample);
    const seconds = (Date.now() - started) / 1000;
    await Promise.all(clients.map((c) => c.endAsync(true)));
    if (refused > 0) throw new Error(`${refused} devices refused on the cold connect`);
    return {
      coldSample: sample.length,
      coldSampleSeconds: seconds,
      coldConnectSeconds: (seconds * fleet.ids.length) / sample.length,
    };
  } finally {
    await stopChild(child);
  }
}

/** Every device held on one connection (from kept credentials), then the reconnect storm. */
async function connections(fleet: Fleet, cache: string) {
  const { child, port } = await spawnLoaBroker(fleet.inventory, cache);
  const pid = child.pid ?? 0;
  const idleRssMb = rssMb(pid);
  const clients: MqttClient[] = [];
  try {
    const held = await connectAll(port, fleet);
    clients.push(...held.clients);
    if (held.refused > 0) throw new Error(`${held.refused} devices refused on the first connect`);
    await new Promise((r) => setTimeout(r, 5000));
    const heldRssMb = rssMb(pid);

    // The storm: every link drops at once, then every device reconnects at a random moment in 10 s.
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once('close', () => {
              resolve();
            });
            c.stream.destroy();
          }),
      ),
    );
    const stormStart = Date.now();
    let stormRefused = 0;
    await Promise.all(
      clients.map(async (c) => {
        await new Promise((r) => setTimeout(r, Math.random() * 10_000));
        const back = once(c);
        c.reconnect();
        if (!(await back)) stormRefused++;
      }),
    );
    const stormSeconds = (Date.now() - stormStart) / 1000;
    return { heldRssMb, idleRssMb, stormSeconds, stormRefused };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stopChild(child);
  }
}

async function throughput(
  fleet: Fleet,
  mode: 'loa' | 'bare',
  ids: string[],
  seconds: number,
): Promise<number> {
  const { child, port } = await spawnBroker(['bench/broker-child.ts', mode, fleet.inventory]);
  const clients: MqttClient[] = [];
  try {
    for (const id of ids) {
      clients.push(
        await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
          clientId: id,
          username: id,
          password: fleet.secrets.get(id) ?? '',
          protocolVersion: 4,
          reconnectPeriod: 0,
        }),
      );
    }
    let acked = 0;
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(
      clients.map(async (client, i) => {
        const topic = `loa/v1/bench/c${Math.floor(i / 100)}/${ids[i] ?? ''}/heartbeat`;
        for (let seq = 0; Date.now() < deadline; seq++) {
          const payload = `{"v":1,"ts":${Date.now()},"seq":${seq},"uptime_s":1,"power":"mains","amp":"on"}`;
          await Promise.all(Array.from({ length: 8 }, () => client.publishAsync(topic, payload, { qos: 1 })));
          acked += 8;
        }
      }),
    );
    return acked / seconds;
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stopChild(child);
  }
}

/** Milliseconds from TCP connect to CONNACK for each honest device, one after another. */
async function honestLogins(port: number, ids: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (const id of ids) {
    const started = performance.now();
    const client = await rawClient(`mqtt://127.0.0.1:${port}`);
    // Timed on the CONNACK's arrival, not on the helper's 10 ms polling.
    const answered = new Promise<void>((resolve) => {
      client.socket.once('data', () => {
        resolve();
      });
      client.socket.once('close', () => {
        resolve();
      });
    });
    client.send(connectPacket(id, id, SECRET));
    await answered;
    times.push(performance.now() - started);
    const code = await client.connack();
    client.socket.destroy();
    if (code !== 0) throw new Error(`honest login of ${id} refused with CONNACK ${code}`);
  }
  return times;
}

/**
 * Issue #14, point 2: honest login latency with and without a guessing flood, on one broker whose
 * cache is empty (every login pays scrypt: the worst case, a fleet's first start). The flood comes from
 * 127.0.0.2, 300 connections at once, each sending a wrong secret for a random device again as soon as
 * it is answered.
 */
async function loginLatency(dir: string, fleet: Fleet) {
  const { ids } = fleet;
  const { child, port } = await spawnLoaBroker(fleet.inventory, join(dir, 'flood-credentials'));
  const summary = (t: number[]) => ({ median: median(t), p99: percentile(t, 99) });
  try {
    const samples = 50;
    const alone = await honestLogins(port, ids.slice(0, samples));
    let flooding = true;
    let guesses = 0;
    const guessers = Array.from({ length: 300 }, async () => {
      while (flooding) {
        const id = ids[samples * 2 + Math.floor(Math.random() * (ids.length - samples * 2))] ?? '';
        const client = await rawClient(`mqtt://127.0.0.1:${port}`, '127.0.0.2');
        client.send(connectPacket(id, id, `guess-${guesses++}`));
        await client.connack().catch(() => undefined);
        client.socket.destroy();
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    const flooded = await honestLogins(port, ids.slice(samples, samples * 2));
    flooding = false;
    await Promise.all(guessers);
    return { login: summary(alone), loginUnderFlood: { ...summary(flooded), guesses } };
  } finally {
    await stopChild(child);
  }
}

export async function benchBroker({
  devices,
  seconds = 10,
  repeats = 3,
}: {
  devices: number;
  seconds?: number;
  repeats?: number;
}): Promise<BrokerBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-broker-'));
  try {
    const scrypt = await scryptFleet(dir, devices);
    const machine = await machineFleet(dir, devices);
    const cold = await coldSample(scrypt, join(dir, 'cold-credentials'));
    const kept = join(dir, 'verified-credentials');
    await keptCredentials(kept, scrypt, scrypt.hash);
    const held = await connections(scrypt, kept);
    const restarted = await restart(scrypt, kept);
    const machineRestarted = await restart(machine, join(dir, 'machine-credentials'));
    const logins = await loginLatency(dir, scrypt);
    // Machine secrets: connecting the publishers costs no scrypt before the clock starts.
    const publishers = machine.ids.slice(0, 200);
    const auth: number[] = [];
    const bare: number[] = [];
    for (let r = 0; r < repeats; r++) {
      bare.push(await throughput(machine, 'bare', publishers, seconds));
      auth.push(await throughput(machine, 'loa', publishers, seconds));
    }
    return {
      devices,
      ...cold,
      ...held,
      restartSeconds: restarted.seconds,
      restartRefused: restarted.refused,
      machineRestartSeconds: machineRestarted.seconds,
      machineRestartRefused: machineRestarted.refused,
      ...logins,
      authRate: median(auth),
      bareRate: median(bare),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
