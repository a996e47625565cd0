// A private influxd 1.x process: `loa up` runs one for a single-machine install, the integration tests
// one per run, and durability tests their own so they can stop or kill it and bring it back on the same
// port with the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, isPortFree } from './free-port.js';
import { createHttpClient } from './http.js';
import { ensureAdmin, type InfluxdCredentials } from './influxd-auth.js';
import { renderInfluxdConfig } from './influxd-config.js';
import type { Logger } from '../runtime/index.js';

/** influxd is not installed (or not where we were told). The message says how to get it. */
export class InfluxdNotFoundError extends Error {
  override name = 'InfluxdNotFoundError';
  constructor(readonly binary: string) {
    super(
      `InfluxDB server "${binary}" not found${binary.includes('/') ? '' : ' on PATH'}. ` +
        'Install InfluxDB 1.x with `apt-get install influxdb` on Debian/Ubuntu (or from influxdata.com), ' +
        'or pass the URL of an existing InfluxDB server instead of starting one.',
    );
  }
}

/** The port asked for is held by another program, and the caller said not to move. */
export class InfluxdPortTakenError extends Error {
  override name = 'InfluxdPortTakenError';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(
      `InfluxDB port ${port} on ${host} is in use by another program: stop it, or choose another port ` +
        '(--influx-port, or 0 for any free one)',
    );
  }
}

export interface InfluxdServerOptions {
  /** Holds the config file and the meta, data and wal folders; created if missing. */
  dataDir: string;
  /** HTTP port; 0 or absent picks a free one (and keeps it for restarts). */
  port?: number;
  /**
   * What to do at the first start when another program holds `port`: `refuse` fails with
   * {@link InfluxdPortTakenError} (a port the user asked for, issue #14, point 9), `move` takes a free
   * one and logs it (a default port). The check runs after an influxd left on this data folder by a
   * dead parent is stopped, so that one never counts. Absent: influxd tries and fails in its own words.
   */
  portTaken?: 'refuse' | 'move';
  /**
   * Restart influxd when it exits without being asked to (crash, OOM kill, SIGKILL), with exponential
   * backoff like systemd's `Restart=on-failure` with `RestartSteps` (issue #14, point 7).
   */
  restart?: { baseMs?: number; capMs?: number };
  /**
   * Run with `auth-enabled = true`; this admin is created at the first start (InfluxDB 1.x lets the
   * first admin be created without credentials) and checked at every start after.
   */
  auth?: InfluxdCredentials;
  /** Address every listener binds to. */
  host?: string;
  /** The influxd executable: a path, or a name looked up on PATH. */
  binary?: string;
  logger: Logger;
  /** How long `start()` waits for `/ping` to answer 204. */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface InfluxdServer {
  /** Starts influxd (again, after stop/kill: same port, same data) and resolves once it answers `/ping`. */
  start(): Promise<{ url: string }>;
  /** SIGTERM, then SIGKILL if still alive after the stop timeout. Resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL now, as a crash or power cut would. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** `http://host:port` once a port is chosen (it stays the same across restarts). */
  readonly url: string | undefined;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** For /healthz: ok only while influxd runs and answers; `state` says what it is doing instead. */
  health(): InfluxdHealth;
}

export interface InfluxdHealth {
  ok: boolean;
  state: 'stopped' | 'starting' | 'running' | 'restarting';
  /** Unexpected exits since `start()`. */
  restarts: number;
  lastExit?: string;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_RESTART_BASE_MS = 250;
const DEFAULT_RESTART_CAP_MS = 30_000;
/** A server that stayed up this long starts again from the shortest delay after its next crash. */
const STABLE_AFTER_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const STDERR_LINES_KEPT = 30;
const START_ATTEMPTS = 3;

/** Live children, killed if this process exits without stopping them, so no orphan influxd lingers. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

/** Finds the executable: an explicit path must exist; a bare name is searched on PATH. */
export async function findInfluxd(binary = 'influxd'): Promise<string> {
  const candidates = binary.includes('/')
    ? [binary]
    : (process.env['PATH'] ?? '')
        .split(path.delimiter)
        .filter((d) => d !== '')
        .map((d) => path.join(d, binary));
  for (const c of candidates) {
    try {
      await access(c, fsConstants.X_OK);
      return c;
    } catch {
      // Not here; try the next directory.
    }
  }
  throw new InfluxdNotFoundError(binary);
}

/** The environment for influxd without INFLUXDB_* variables, which would override our config file. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('INFLUXDB_')) env[k] = v;
  return env;
}

interface Running {
  child: ChildProcess;
  stderr: string[];
  exited: Promise<void>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  stopping: boolean;
  /** It answered /ping (and took its credentials): an exit after this is a crash. */
  ready: boolean;
}

/** Creates the handle; nothing is written or started until `start()`. */
export function createInfluxdServer(options: InfluxdServerOptions): InfluxdServer {
  const host = options.host ?? '127.0.0.1';
  const log = options.logger;
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const configFile = path.join(options.dataDir, 'influxd.conf');
  const pidFile = path.join(options.dataDir, 'influxd.pid');
  // Ports are chosen at the first start and kept, so a restarted server is found at the same URL.
  let httpPort = options.port !== undefined && options.port > 0 ? options.port : undefined;
  const httpPortGiven = httpPort !== undefined;
  let rpcPort: number | undefined;
  let startedOnce = false;
  let current: Running | undefined;
  let starting: Promise<{ url: string }> | undefined;
  // Supervision: set while the owner wants influxd running (start() until stop()).
  let wanted = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let restartAttempt = 0;
  let restarts = 0;
  let readyAt = 0;
  let lastExit: string | undefined;

  const urlFor = (port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  function spawnInfluxd(binary: string): Running {
    const child = spawn(binary, ['-config', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: childEnv(),
      // Its own process group: a Ctrl-C in the terminal reaches only the parent, which stops influxd
      // after the ingest has written what it holds, instead of both dying at once.
      detached: true,
    });
    if (child.pid !== undefined) void writeFile(pidFile, `${child.pid}\n`).catch(() => undefined);
    const run: Running = {
      child,
      stderr: [],
      exited: Promise.resolve(),
      exitInfo: undefined,
      stopping: false,
      ready: false,
    };
    trackChild(child);
    let partial = '';
    child.stderr.setEncoding('utf8');
    const keep = (line: string): void => {
      if (line === '') return;
      run.stderr.push(line);
      if (run.stderr.length > STDERR_LINES_KEPT) run.stderr.shift();
      // The config sets level=warn, so whatever influxd prints deserves to be seen.
      log.warn({ influxd: line }, 'influxd');
    };
    child.stderr.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) keep(line);
    });
    child.stderr.on('end', () => {
      keep(partial);
      partial = '';
    });
    run.exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        // Spawning failed (EACCES...): 'exit' may never come.
        run.exitInfo = { code: null, signal: null, error };
        liveChildren.delete(child);
        resolve();
      });
      // 'close' rather than 'exit': it comes after stderr is drained, so its last lines are kept.
      child.once('close', (code, signal) => {
        run.exitInfo ??= { code, signal };
        liveChildren.delete(child);
        const unexpected = !run.stopping && run.ready && current === run;
        if (current === run) current = undefined;
        if (unexpected) {
          lastExit = signal !== null ? `killed by ${signal}` : `exited with code ${code ?? '?'}`;
          restarts++;
          if (options.restart !== undefined && wanted) scheduleRestart({ code, signal, stderr: run.stderr });
          else log.error({ code, signal, stderr: run.stderr.slice(-5) }, 'influxd exited unexpectedly');
        }
        resolve();
      });
    });
    return run;
  }

  /** Polls `/ping` until 204, the process exits, or the deadline passes. */
  async function waitReady(run: Running, url: string): Promise<void> {
    const http = createHttpClient(url, { keepAlive: false });
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (hasExited(run)) throw exitedEarly(run);
      try {
        const res = await http.request({ method: 'GET', path: '/ping', timeoutMs: 1000 });
        // Still ours? Another server may have taken the port while influxd failed to bind it.
        if (res.status === 204 && !hasExited(run)) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await terminate(run, 'SIGKILL');
        throw new Error(
          `influxd did not answer ${url}/ping within ${startTimeoutMs} ms` + stderrTail(run.stderr),
        );
      }
      await sleep(50);
    }
  }

  async function terminate(run: Running, signal: NodeJS.Signals): Promise<void> {
    run.stopping = true;
    if (run.exitInfo !== undefined) return;
    run.child.kill(signal);
    if (signal === 'SIGKILL') {
      await run.exited;
      return;
    }
    const timer = setTimeout(() => {
      log.warn(
        { pid: run.child.pid },
        `influxd still running ${stopTimeoutMs} ms after SIGTERM, sending SIGKILL`,
      );
      run.child.kill('SIGKILL');
    }, stopTimeoutMs);
    await run.exited;
    clearTimeout(timer);
  }

  /** After an unexpected exit: start again after a delay that doubles with each failure in a row. */
  function scheduleRestart(exit: {
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: readonly string[];
  }): void {
    if (Date.now() - readyAt >= STABLE_AFTER_MS) restartAttempt = 0;
    const baseMs = options.restart?.baseMs ?? DEFAULT_RESTART_BASE_MS;
    const capMs = options.restart?.capMs ?? DEFAULT_RESTART_CAP_MS;
    const delayMs = Math.min(capMs, baseMs * 2 ** Math.min(restartAttempt, 30));
    restartAttempt++;
    log.error(
      { ...exit, stderr: exit.stderr.slice(-5), restartInMs: delayMs, attempt: restartAttempt },
      'influxd exited unexpectedly; restarting it',
    );
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!wanted) return;
      void start().then(
        ({ url }) => {
          log.warn({ url, pid: current?.child.pid, restarts }, 'influxd restarted');
        },
        (error: unknown) => {
          if (!wanted) return;
          const message = (error as Error).message;
          scheduleRestart({ code: null, signal: null, stderr: [message] });
        },
      );
    }, delayMs);
  }

  async function doStart(): Promise<{ url: string }> {
    const binary = await findInfluxd(options.binary);
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    await stopLeftover(pidFile, log);
    const checkPort = !startedOnce && options.portTaken !== undefined;
    if (checkPort && httpPort !== undefined && !(await isPortFree(host, httpPort))) {
      if (options.portTaken === 'refuse') throw new InfluxdPortTakenError(host, httpPort);
      log.warn({ port: httpPort }, 'InfluxDB port taken; using a free one');
      httpPort = undefined;
    }
    for (let attempt = 1; ; attempt++) {
      httpPort ??= await freePort(host);
      rpcPort ??= await freePort(host);
      await writeFile(
        configFile,
        renderInfluxdConfig({
          dataDir: options.dataDir,
          host,
          httpPort,
          rpcPort,
          authEnabled: options.auth !== undefined,
        }),
        { mode: 0o600 },
      );
      const url = urlFor(httpPort);
      const run = spawnInfluxd(binary);
      current = run;
      try {
        await waitReady(run, url);
        if (options.auth !== undefined) await ensureAdmin(url, options.auth);
        run.ready = true;
        startedOnce = true;
        readyAt = Date.now();
        log.info({ url, pid: run.child.pid, dataDir: options.dataDir }, 'influxd ready');
        return { url };
      } catch (err) {
        if (current === run) current = undefined;
        // Someone took a port between our probe and influxd's bind: choose again (but never move the
        // HTTP port of a server that already ran, or that the caller fixed).
        const clash = run.stderr.some((l) => l.includes('address already in use'));
        if (!clash || attempt >= START_ATTEMPTS) {
          // Not ready is not running: a half-started influxd (e.g. refused credentials) is stopped.
          await terminate(run, 'SIGKILL');
          throw err;
        }
        rpcPort = undefined;
        if (!httpPortGiven && !startedOnce) httpPort = undefined;
        log.warn({ attempt }, 'influxd port taken, retrying with other ports');
      }
    }
  }

  return {
    get url() {
      return httpPort === undefined ? undefined : urlFor(httpPort);
    },
    get pid() {
      return current?.child.pid;
    },
    get running() {
      return current !== undefined && current.exitInfo === undefined;
    },
    health() {
      const running = current !== undefined && current.exitInfo === undefined && starting === undefined;
      const state = running
        ? 'running'
        : startedOnce && wanted && options.restart !== undefined
          ? 'restarting'
          : starting !== undefined
            ? 'starting'
            : 'stopped';
      return { ok: running, state, restarts, ...(lastExit !== undefined && { lastExit }) };
    },
    start,
    async stop() {
      wanted = false;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      await starting?.catch(() => undefined);
      if (current === undefined) return;
      await terminate(current, 'SIGTERM');
      current = undefined;
    },
    async kill() {
      wanted = false;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      await starting?.catch(() => undefined);
      if (current === undefined) return;
      await terminate(current, 'SIGKILL');
      current = undefined;
    },
  };

  function start(): Promise<{ url: string }> {
    wanted = true;
    if (
      current !== undefined &&
      current.exitInfo === undefined &&
      starting === undefined &&
      httpPort !== undefined
    ) {
      return Promise.resolve({ url: urlFor(httpPort) });
    }
    starting ??= doStart().finally(() => {
      starting = undefined;
    });
    return starting;
  }
}

/** A function, not an inline check: TypeScript would keep a narrowing of `exitInfo` across awaits. */
function hasExited(run: Running): boolean {
  return run.exitInfo !== undefined;
}

function stderrTail(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `; its last output:\n${lines.slice(-10).join('\n')}`;
}

function exitedEarly(run: Running): Error {
  const info = run.exitInfo;
  const how =
    info?.error !== undefined
      ? `could not be started (${info.error.message})`
      : info?.signal != null
        ? `was killed by ${info.signal}`
        : `exited with code ${info?.code ?? '?'}`;
  return new Error(`influxd ${how} before answering /ping` + stderrTail(run.stderr));
}

/**
 * An influxd left running on this data folder by a parent that was killed (SIGKILL skips every exit
 * hook): two servers on one data folder would corrupt it, so the old one is stopped first.
 */
async function stopLeftover(pidFile: string, log: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !(await isInfluxd(pid))) return;
  log.warn({ pid }, 'stopping an influxd left running on this data folder');
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < LEFTOVER_GRACE_MS && (await isInfluxd(pid)); waited += 50) await sleep(50);
  if (await isInfluxd(pid)) {
    // Its owner is dead and every write it acknowledged is in its fsynced WAL: a SIGKILL is the crash it
    // is built to survive, and `loa up` is not kept waiting on a busy server's clean shutdown.
    log.warn({ pid, graceMs: LEFTOVER_GRACE_MS }, 'the leftover influxd did not stop on SIGTERM: SIGKILL');
    process.kill(pid, 'SIGKILL');
  }
  for (let waited = 0; waited < 5_000 && (await isInfluxd(pid)); waited += 50) await sleep(50);
}

/** How long an influxd left by a dead `loa up` gets to stop on SIGTERM before it is killed. */
const LEFTOVER_GRACE_MS = 1000;

async function isInfluxd(pid: number): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) has exited already; only its parent has not reaped it.
    return cmdline.includes('influxd') && !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
