// The edge agent as an operator runs it (`bin/loa-agent.js`, from the build, as deploy/loa-agent.service
// does), in its own process: its memory idle and while it replays a day offline, the time that replay
// takes while live heartbeats keep going out, and the CPU time per heartbeat; and, as a baseline, its
// memory idle run as `bin/loa.js agent`, with V8's default settings. The broker is an in-process aedes
// without authentication.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { createDiskOutbox } from '../devices/index.js';
import { median } from './stats.js';

export interface AgentBenchResult {
  idleRssMb: number;
  /** Private memory (smaps Private_Dirty): RSS without the node binary's code shared with every process. */
  idlePrivateMb: number;
  replayPrivateMedianMb: number;
  replayPrivateMaxMb: number;
  /** Idle RSS and private memory run as `loa agent` (V8's default settings, not the agent's). */
  idleDefaultRssMb: number;
  idleDefaultPrivateMb: number;
  /** Idle RSS with `loa-agent`'s settings but the code as separate modules (`loa agent`), not one file. */
  idleUnbundledRssMb: number;
  replayRssMedianMb: number;
  replayRssMaxMb: number;
  /** Records in the day's backlog: heartbeats, broadcasts, events. */
  backlog: number;
  replayRatePerS: number;
  /** Median over the repeats, seconds from the connection to an empty outbox. */
  replaySeconds: number;
  /** Longest gap between two live heartbeats arriving while the backlog replayed, against the interval. */
  liveMaxGapS: number;
  liveIntervalS: number;
  cpuMsPerHeartbeat: number;
}

const DAY_BEATS = 1_440;
const BROADCASTS = 9; // three windows a day, three programmes each
const EVENTS = 20;
const LIVE_S = 0.2;
const REPLAY_PER_S = 100;

function beat(ts: number, seq: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      ts,
      seq,
      uptime_s: seq * 60,
      power: 'mains',
      amp: 'on',
      playing: false,
      volume_pct: 80,
      mains_v: 221.5,
      relay: 'ok',
      rssi_dbm: -71,
      temp_c: 41.5,
    }),
  );
}

/** Writes a day offline into an agent's outbox, as the agent itself would have. */
async function fillOutbox(dataDir: string): Promise<number> {
  const outbox = createDiskOutbox({
    dataDir,
    maxBytes: 64 << 20,
    segmentBytes: 1 << 20,
    fsyncMs: 0,
    logger: pino({ level: 'silent' }),
  });
  await outbox.open();
  const start = Date.now() - 86_400_000;
  let records = 0;
  for (let i = 0; i < DAY_BEATS; i++) {
    outbox.append('heartbeat', beat(start + i * 60_000, i));
    records++;
    if (i % Math.ceil(DAY_BEATS / BROADCASTS) === 0) {
      const b = start + i * 60_000;
      outbox.append(
        'broadcast',
        Buffer.from(
          JSON.stringify({
            v: 1,
            id: `bench-${i}`,
            start: b,
            end: b + 1_800_000,
            priority: 'normal',
            source: 'national',
            status: 'completed',
            program: 'Thời sự VOV1',
          }),
        ),
      );
      records++;
    }
    if (i % Math.ceil(DAY_BEATS / EVENTS) === 0) {
      outbox.append(
        'event',
        Buffer.from(JSON.stringify({ v: 1, ts: start + i * 60_000 + 1, type: 'power_lost' })),
      );
      records++;
    }
  }
  await outbox.close();
  return records;
}

async function privateMb(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  return Number(/Private_Dirty:\s+(\d+)/.exec(rollup)?.[1] ?? 0) / 1024;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** User + system CPU time of a process, in milliseconds. */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name; in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Command {
  argv: string[];
  env?: Record<string, string>;
}

/** `loa-agent`: the single file with the box's settings, both in bin/loa-agent.js's first line. */
const AGENT_COMMAND: Command = { argv: ['bin/loa-agent.js'] };
/** `loa agent`: the modules one by one, with the settings of every command. */
const LOA_AGENT_COMMAND: Command = { argv: ['bin/loa.js', 'agent'] };

/** `loa agent` with `loa-agent`'s settings (read from its first line): what the single file saves. */
async function unbundledCommand(): Promise<Command> {
  const [shebang = ''] = (await readFile('bin/loa-agent.js', 'utf8')).split('\n');
  const words = shebang.split(' ').slice(2); // after `#!/usr/bin/env -S`
  const env = Object.fromEntries(
    words.filter((w) => /^\w+=/.test(w)).map((w) => w.split('=') as [string, string]),
  );
  const flags = words.filter((w) => w.startsWith('--'));
  return { argv: [process.execPath, ...flags, 'bin/loa.js', 'agent'], env };
}

async function startAgent(
  config: string,
  command = AGENT_COMMAND,
): Promise<{ child: ChildProcess; status: () => Promise<Status> }> {
  const [file = '', ...args] = command.argv;
  const child = spawn(file, [...args, '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOA_LOG_LEVEL: 'warn', LOA_LOG_FORMAT: 'json', NODE_OPTIONS: '', ...command.env },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /local endpoint (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', () => {
      reject(new Error(`agent exited: ${out}`));
    });
  });
  return { child, status: async () => (await (await fetch(`${url}/v1/status`)).json()) as Status };
}

interface Status {
  online: boolean;
  pending: number;
  heartbeats: number;
}

async function stopAgent(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function benchAgent({ repeats = 3 }: { repeats?: number } = {}): Promise<AgentBenchResult> {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const brokerUrl = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const watcher = await mqtt.connectAsync(brokerUrl, { clientId: 'bench-watcher' });
  const liveArrivals: number[] = [];
  let liveFrom = Number.POSITIVE_INFINITY;
  watcher.on('message', (topic, payload) => {
    if (!topic.endsWith('/heartbeat')) return;
    const { ts } = JSON.parse(payload.toString()) as { ts: number };
    if (ts >= liveFrom) liveArrivals.push(Date.now());
  });
  await watcher.subscribeAsync('loa/v1/#', { qos: 1 });
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-agent-'));
  const config = async (dataDir: string) => {
    const file = join(dir, `agent-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(
      file,
      [
        `brokerUrl: ${brokerUrl}`,
        'deviceId: bench-c01',
        'secret: bench',
        'province: an-giang',
        'commune: vinh-an',
        'kind: cluster',
        `heartbeatS: ${LIVE_S}`,
        `dataDir: ${dataDir}`,
        `outbox: { replayPerS: ${REPLAY_PER_S} }`,
        'local: { httpPort: 0 }',
        '',
      ].join('\n'),
    );
    return file;
  };
  try {
    // Idle: online, nothing behind; memory and CPU over 10 s of heartbeats.
    const idle = await startAgent(await config(join(dir, 'idle')));
    while (!(await idle.status()).online) await sleep(50);
    await sleep(2_000);
    const idleRss: number[] = [];
    const idlePrivate: number[] = [];
    const pid = idle.child.pid ?? 0;
    const cpu0 = await cpuMs(pid);
    const beats0 = (await idle.status()).heartbeats;
    for (let i = 0; i < 20; i++) {
      idleRss.push(await rssMb(pid));
      idlePrivate.push(await privateMb(pid));
      await sleep(500);
    }
    const cpuMsPerHeartbeat = ((await cpuMs(pid)) - cpu0) / ((await idle.status()).heartbeats - beats0);
    await stopAgent(idle.child);

    const idleMemory = async (command: Command, name: string) => {
      const agent = await startAgent(await config(join(dir, name)), command);
      while (!(await agent.status()).online) await sleep(50);
      await sleep(2_000);
      const rss: number[] = [];
      const priv: number[] = [];
      for (let i = 0; i < 10; i++) {
        rss.push(await rssMb(agent.child.pid ?? 0));
        priv.push(await privateMb(agent.child.pid ?? 0));
        await sleep(300);
      }
      await stopAgent(agent.child);
      return { rssMb: median(rss), privateMb: median(priv) };
    };
    const plain = await idleMemory(LOA_AGENT_COMMAND, 'default');
    const unbundled = await idleMemory(await unbundledCommand(), 'unbundled');

    const replaySeconds: number[] = [];
    const replayRss: number[] = [];
    const replayPrivate: number[] = [];
    const gaps: number[] = [];
    let backlog = 0;
    for (let r = 0; r < repeats; r++) {
      const dataDir = join(dir, `replay-${r}`);
      backlog = await fillOutbox(dataDir);
      liveArrivals.length = 0;
      liveFrom = Date.now();
      const t0 = performance.now();
      const agent = await startAgent(await config(dataDir));
      const agentPid = agent.child.pid ?? 0;
      for (;;) {
        replayRss.push(await rssMb(agentPid));
        replayPrivate.push(await privateMb(agentPid));
        const s = await agent.status();
        if (s.online && s.pending === 0) break;
        await sleep(200);
      }
      replaySeconds.push((performance.now() - t0) / 1000);
      for (let i = 1; i < liveArrivals.length; i++)
        gaps.push(((liveArrivals[i] ?? 0) - (liveArrivals[i - 1] ?? 0)) / 1000);
      await stopAgent(agent.child);
    }
    return {
      idleRssMb: median(idleRss),
      idlePrivateMb: median(idlePrivate),
      replayPrivateMedianMb: median(replayPrivate),
      replayPrivateMaxMb: Math.max(...replayPrivate),
      idleDefaultRssMb: plain.rssMb,
      idleDefaultPrivateMb: plain.privateMb,
      idleUnbundledRssMb: unbundled.rssMb,
      replayRssMedianMb: median(replayRss),
      replayRssMaxMb: Math.max(...replayRss),
      backlog,
      replayRatePerS: REPLAY_PER_S,
      replaySeconds: median(replaySeconds),
      liveMaxGapS: Math.max(...gaps),
      liveIntervalS: LIVE_S,
      cpuMsPerHeartbeat,
    };
  } finally {
    await watcher.endAsync();
    await new Promise<void>((resolve) => {
      broker.close(() => {
        resolve();
      });
    });
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
}
