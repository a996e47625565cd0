import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Configuration of a command: defaults ← a YAML file (`--config`) ← `LOA_*` environment variables ←
 * flags, validated once with zod at start-up (CONTRIBUTING.md#edges-and-errors). A bad value stops the command with the
 * file (or variable) and the field.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Plain = Record<string, unknown>;

/** `LOA_INGEST_BATCH_SIZE=2000` → `{ ingest: { batchSize: 2000 } }` for the keys the schema knows. */
export function envOverrides(schema: z.ZodObject, env: NodeJS.ProcessEnv = process.env): Plain {
  const out: Plain = {};
  walk(schema, [], out);
  return out;

  function walk(node: z.ZodObject, path: string[], target: Plain): void {
    for (const [key, child] of Object.entries(node.shape)) {
      const inner = unwrap(child as z.ZodType);
      const name = ['LOA', ...path, key].map(toEnvWord).join('_');
      if (inner instanceof z.ZodObject) {
        const sub: Plain = {};
        walk(inner, [...path, key], sub);
        if (Object.keys(sub).length) target[key] = sub;
      } else if (env[name] !== undefined && env[name] !== '') {
        target[key] = coerce(env[name], inner);
      }
    }
  }
}

function toEnvWord(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodPrefault) {
    s = s.unwrap() as z.ZodType;
  }
  return s;
}

function coerce(value: string, schema: z.ZodType): unknown {
  if (schema instanceof z.ZodNumber) return Number(value);
  if (schema instanceof z.ZodBoolean) return ['1', 'true', 'yes'].includes(value.toLowerCase());
  return value;
}

export function readConfigFile(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw new ConfigError(`${file}: must be a YAML mapping`);
  return data as Plain;
}

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? merge(b, v) : v;
  }
  return out;
}

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Layers the sources and validates; errors name where the bad value came from. */
export function resolveConfig<S extends z.ZodObject>(
  schema: S,
  sources: { file?: string; flags: Plain; env?: NodeJS.ProcessEnv },
): z.infer<S> {
  const fromFile = sources.file === undefined ? {} : readConfigFile(sources.file);
  const fromEnv = envOverrides(schema, sources.env);
  const result = schema.safeParse(merge(merge(fromFile, fromEnv), sources.flags));
  if (result.success) return result.data;
  const where = sources.file === undefined ? 'configuration' : sources.file;
  const lines = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const at = issue.path.length ? `${issue.path.join('.')}.` : '';
      return `${where}: ${issue.keys.map((k) => at + k).join(', ')}: unknown setting (misspelt?)`;
    }
    const path = issue.path.join('.');
    const env = ['LOA', ...issue.path.map((p) => toEnvWord(String(p)))].join('_');
    // Only settings the command has a flag for (a key in `flags`, given or not) say so: most have none.
    const how = hasFlag(sources.flags, issue.path) ? `by ${env}, or by its flag` : `or by ${env}`;
    return `${where}: ${path}: ${issue.message} (set in the file, ${how})`;
  });
  throw new ConfigError(lines.join('\n'));
}

function hasFlag(flags: Plain, path: readonly PropertyKey[]): boolean {
  let node: unknown = flags;
  for (const key of path) {
    if (!isPlain(node) || !(String(key) in node)) return false;
    node = node[String(key)];
  }
  return true;
}

/** resolveConfig for a command's parsed options: its `--config` names the file, `flags` what was given. */
export function resolveCommandConfig<S extends z.ZodObject>(
  schema: S,
  options: { config?: unknown },
  flags: Plain,
): z.infer<S> {
  return resolveConfig(schema, {
    ...(typeof options.config === 'string' && { file: options.config }),
    flags,
  });
}
