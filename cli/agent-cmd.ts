import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AgentConfigError,
  createAgent,
  createLocalHttp,
  createTail,
  type AgentConfigInput,
  type LocalHttp,
  type Tail,
} from '../devices/index.js';
import { createLogger } from '../runtime/index.js';
import { ConfigError, resolveConfig } from './config.js';
import { agentFileSchema, type AgentFile } from './schema.js';

/** The variable that may hold the agent's secret, so that it need not sit in a file. */
export const AGENT_SECRET_ENV = 'LOA_AGENT_SECRET';

export interface ResolvedAgent {
  /** The agent's settings, secret included, as devices/'s createAgent takes them. */
  agent: AgentConfigInput;
  logLevel: AgentFile['logLevel'];
}

/**
 * The agent's file ← `LOA_*` variables ← flags, validated with devices/'s schema (unknown keys refused).
 * The secret comes from `LOA_AGENT_SECRET`, else from the file's `secret` or `secretFile` (one of them);
 * a box with a client certificate (`tls.certFile`) may have none.
 */
export async function resolveAgentConfig(sources: {
  file: string;
  flags: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}): Promise<ResolvedAgent> {
  const env = sources.env ?? process.env;
  // The secret's variable is LOA_AGENT_SECRET, not the LOA_SECRET the generic layering would read.
  const config = resolveConfig(agentFileSchema, {
    file: sources.file,
    flags: sources.flags,
    env: { ...env, LOA_SECRET: undefined },
  });
  const { secret: fileSecret, secretFile, logLevel, ...settings } = config;
  const where = sources.file;
  let secret: string | undefined;
  const fromEnv = env[AGENT_SECRET_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    secret = fromEnv;
  } else if (fileSecret !== undefined && secretFile !== undefined) {
    throw new ConfigError(`${where}: secret, secretFile: set one of them, not both`);
  } else if (fileSecret !== undefined) {
    secret = fileSecret;
  } else if (secretFile !== undefined) {
    secret = await readSecretFile(secretFile, where);
  } else if (settings.tls?.certFile === undefined) {
    throw new ConfigError(
      `${where}: secret: missing: set secret or secretFile in the file, or the ${AGENT_SECRET_ENV} variable, ` +
        'or give a client certificate (tls.certFile and tls.keyFile)',
    );
  }
  // With a client certificate and no secret, the broker knows the box by the certificate alone.
  return { agent: { ...settings, ...(secret !== undefined && { secret }) }, logLevel };
}

async function readSecretFile(path: string, where: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${where}: secretFile: cannot read ${path}: ${(error as Error).message}`);
  }
  // One trailing newline is what editors and `echo` add, not part of the secret.
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length === 0) throw new ConfigError(`${where}: secretFile: ${path} is empty`);
  return secret;
}

/** How often `loa-agent` collects its heap in full (see heapTrimmer). */
const HEAP_TRIM_MS = 2000;

/**
 * With `--expose-gc` (`loa-agent` sets it), a full garbage collection every few seconds: V8 otherwise
 * lets the heap grow by a few MB of garbage before collecting, which is most of the margin on a box held
 * to 60 MB, while the agent's whole heap collects in a few milliseconds. `now()` collects at once: after
 * start-up, whose compilation leaves 2–3 MB of garbage. Without the flag, nothing.
 */
function heapTrimmer(ms: number): { now(): void; stop(): void } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return { now: () => undefined, stop: () => undefined };
  const timer = setInterval(gc, ms);
  timer.unref();
  return {
    now: gc,
    stop: () => {
      clearInterval(timer);
    },
  };
}

/**
 * `loa agent --config agent.yaml`: the edge agent of one station or cluster (docs/protocol.md). SIGINT or
 * SIGTERM publishes the retained `shutdown` state and disconnects cleanly. `jsonLogs`: JSON lines even
 * on a terminal.
 */
export async function runAgent(
  resolved: ResolvedAgent,
  file: string,
  options: { jsonLogs?: boolean } = {},
): Promise<void> {
  const logger = createLogger({
    name: 'loa-agent',
    level: resolved.logLevel,
    ...(options.jsonLogs === true && { pretty: false }),
  });
  let agent: ReturnType<typeof createAgent>;
  try {
    // The box's only MQTT client: 6 MB of prepared packet ids would be a tenth of its memory budget.
    agent = createAgent({ ...resolved.agent, logger, packetIdCache: false });
  } catch (error) {
    if (!(error instanceof AgentConfigError)) throw error;
    throw new ConfigError(error.problems.map((p) => `${file}: ${p}`).join('\n'));
  }
  const { deviceId, brokerUrl, local, dataDir } = resolved.agent;
  let http: LocalHttp | undefined;
  let tail: Tail | undefined;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // The local ways in close first: nothing is accepted that the stopped agent could not keep.
      await Promise.all([http?.close(), tail?.close()]);
      await agent.stop('shutdown');
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'error while stopping');
    }));
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  process.stdout.write(`agent ${deviceId} → ${brokerUrl}\n`);
  const trim = heapTrimmer(HEAP_TRIM_MS);
  process.once('exit', () => {
    trim.stop();
  });
  await agent.start();
  if (stopping !== undefined) return;
  if (local?.httpPort !== undefined) {
    http = createLocalHttp({ agent, port: local.httpPort, logger });
    const port = await http.start();
    process.stdout.write(`agent ${deviceId}: local endpoint http://127.0.0.1:${port}\n`);
  }
  if (local?.tailFile !== undefined) {
    tail = createTail({
      file: local.tailFile,
      ...(dataDir !== undefined && { stateFile: join(dataDir, 'tail.json') }),
      pollMs: 1_000,
      agent,
      logger,
    });
    await tail.start();
  }
  trim.now();
  const stats = agent.stats();
  process.stdout.write(
    stats.online
      ? `agent ${deviceId} online (session ${stats.session ?? '?'})\n`
      : `agent ${deviceId}: ${stats.refusal?.line ?? 'broker not reachable yet; retrying with backoff'}\n`,
  );
}
