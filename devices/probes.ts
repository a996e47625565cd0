import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../runtime/index.js';
import { z } from 'zod';
import { heartbeatSchema } from '../protocol/index.js';
import type { HeartbeatFields, Probe } from './probe.js';

const execFileAsync = promisify(execFile);

/** The heartbeat fields a probe can fill: all but the envelope the agent adds. */
export const PROBED_FIELDS = [
  'uptime_s',
  'power',
  'amp',
  'playing',
  'volume_pct',
  'mains_v',
  'battery_v',
  'relay',
  'rssi_dbm',
  'temp_c',
] as const;
export type ProbedField = (typeof PROBED_FIELDS)[number];

/**
 * Where one heartbeat field comes from: a command's output or a file's content (a vendor's sysfs node,
 * a status file its daemon writes). The text is trimmed, optionally cut out with `pattern` (its first
 * capture group), then either looked up in `map` or converted to the field's type (`scale` multiplies a
 * number: millivolts to volts, say).
 */
export const fieldSourceSchema = z
  .strictObject({
    /** Run with /bin/sh -c; its standard output is the reading. */
    exec: z.string().min(1).optional(),
    /** Read whole; its content is the reading. */
    file: z.string().min(1).optional(),
    pattern: z.string().refine(isRegExp, 'must be a regular expression').optional(),
    map: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    scale: z.number().optional(),
    timeoutMs: z.int().positive().max(60_000).default(2_000),
  })
  .refine((s) => (s.exec === undefined) !== (s.file === undefined), {
    message: 'give exactly one of exec and file',
  });

export type FieldSource = z.output<typeof fieldSourceSchema>;

export const probesConfigSchema = z.strictObject({
  /**
   * The Linux probe: `uptime_s` from /proc/uptime and `temp_c` from the hottest thermal zone under
   * /sys/class/thermal. A field configured below takes precedence.
   */
  linux: z.boolean().default(false),
  ...Object.fromEntries(PROBED_FIELDS.map((f) => [f, fieldSourceSchema.optional()])),
} as { linux: z.ZodDefault<z.ZodBoolean> } & Record<ProbedField, z.ZodOptional<typeof fieldSourceSchema>>);

export type ProbesConfig = z.output<typeof probesConfigSchema>;

/** Used when a required field has no working probe: the heartbeat is still sent (it is the liveness signal). */
const REQUIRED_FALLBACK = { power: 'mains', amp: 'on' } as const;

export interface ProbeOptions {
  logger: Logger;
  /** Prefix for /proc and /sys (tests point it at a folder laid out the same way). */
  root?: string;
}

/**
 * The probe an operator wires from the configuration. Every field is read in parallel; one that fails
 * (command error, timeout, missing file, a value its schema refuses) is left out of the heartbeat and
 * logged once when it starts failing and once when it recovers, so a broken sensor does not fill the log
 * every minute. Required fields fall back (uptime of the system, `power: mains`, `amp: on`), with the
 * failure logged, because a heartbeat that is not sent would make the whole cluster look dead.
 */
export function createConfiguredProbe(config: ProbesConfig, options: ProbeOptions): Probe {
  const root = options.root ?? '/';
  const log = options.logger;
  const failing = new Set<ProbedField>();
  const sources = new Map<ProbedField, () => Promise<unknown>>();
  if (config.linux) {
    sources.set('uptime_s', () => readUptime(root));
    sources.set('temp_c', () => readThermal(root));
  }
  for (const field of PROBED_FIELDS) {
    const source = config[field];
    if (source) sources.set(field, () => readSource(field, source));
  }
  return async () => {
    const fields: Record<string, unknown> = {};
    await Promise.all(
      [...sources].map(async ([field, read]) => {
        try {
          const value = await read();
          const checked = heartbeatSchema.shape[field].safeParse(value);
          if (!checked.success)
            throw new Error(`${JSON.stringify(value)}: ${checked.error.issues[0]?.message}`);
          fields[field] = checked.data;
          if (failing.delete(field)) log.info({ field }, 'probe recovered');
        } catch (error) {
          if (!failing.has(field))
            log.warn({ field, error: (error as Error).message }, 'probe failed; field left out');
          failing.add(field);
        }
      }),
    );
    fields.uptime_s ??= Math.floor(uptime());
    fields.power ??= REQUIRED_FALLBACK.power;
    fields.amp ??= REQUIRED_FALLBACK.amp;
    return fields as HeartbeatFields;
  };
}

async function readSource(field: ProbedField, source: FieldSource): Promise<unknown> {
  let text: string;
  if (source.file !== undefined) {
    text = await readFile(source.file, 'utf8');
  } else if (source.exec !== undefined) {
    const { stdout } = await execFileAsync('/bin/sh', ['-c', source.exec], {
      timeout: source.timeoutMs,
      maxBuffer: 64 * 1024,
    });
    text = stdout;
  } else {
    throw new Error('no source');
  }
  text = text.trim();
  if (source.pattern !== undefined) {
    const match = new RegExp(source.pattern, 'm').exec(text);
    if (!match) throw new Error(`no match for ${source.pattern}`);
    text = (match[1] ?? match[0]).trim();
  }
  if (source.map !== undefined) {
    if (!(text in source.map)) throw new Error(`${JSON.stringify(text)} is not in map`);
    return source.map[text];
  }
  return convert(field, text, source.scale);
}

function convert(field: ProbedField, text: string, scale = 1): unknown {
  if (field === 'playing') {
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    throw new Error(`${JSON.stringify(text)} is not a boolean`);
  }
  if (field === 'power' || field === 'amp' || field === 'relay') return text.toLowerCase();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) throw new Error(`${JSON.stringify(text)} is not a number`);
  return Math.round(value * scale * 1000) / 1000;
}

async function readUptime(root: string): Promise<number> {
  const text = await readFile(join(root, 'proc', 'uptime'), 'utf8');
  return convert('uptime_s', text.split(/\s+/)[0] ?? '', 1) as number;
}

/** The hottest thermal zone, in °C (the kernel reports millidegrees). */
async function readThermal(root: string): Promise<number> {
  const dir = join(root, 'sys', 'class', 'thermal');
  const zones = (await readdir(dir)).filter((z) => z.startsWith('thermal_zone'));
  const readings = await Promise.all(
    zones.map((z) =>
      readFile(join(dir, z, 'temp'), 'utf8').then(
        (t) => Number(t.trim()) / 1000,
        () => Number.NaN,
      ),
    ),
  );
  const valid = readings.filter((r) => Number.isFinite(r));
  if (valid.length === 0) throw new Error(`no readable thermal zone under ${dir}`);
  return Math.max(...valid);
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
