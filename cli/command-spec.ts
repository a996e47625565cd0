import { Option, type Command } from 'commander';
import { z } from 'zod';
import { resolveCommandConfig } from './config.js';
import { num } from './number-option.js';

/**
 * A command of `loa` declared once: its help, and for each option the configuration key it sets. The
 * commander options, the flags handed to resolveCommandConfig and the defaults shown in help all come
 * from this, and every default from the command's schema (cli/schema.ts) or the folder's defaults.ts.
 * Only commander and zod here: `loa` loads this for every command (cli/program.ts).
 */
export interface OptionSpec {
  /** As commander takes it: `--mqtt-port <port>`, or `--simulate` for a switch. */
  flag: string;
  /**
   * Its help. `{default}` stands for the default of `key` in the command's schema, or `shownDefault`:
   * help shows the value the command really uses, not a copy of it.
   */
  description: string;
  /** The dotted configuration key it sets (`mqtt.port`); none: the command reads the option itself. */
  key?: string;
  /** The value is a number. */
  number?: boolean;
  /** Also read from this environment variable (secrets, kept off the process list). */
  env?: string;
  /** For `{default}` when the default is not in the schema (the broker's limits). */
  shownDefault?: string | number;
}

export interface CommandSpec<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  /** The schema the command's configuration is validated with; the options' keys are its keys. */
  schema: S;
  options: readonly OptionSpec[];
  /** Text after the options in --help (examples). */
  helpAfter?: string;
}

/** Every command with a configuration takes its file first. */
export const CONFIG_OPTION: OptionSpec = {
  flag: '--config <file>',
  description: 'YAML configuration file (flags and LOA_* variables override it)',
};

/** Adds the spec's options, description and help text to `command`. */
export function declareCommand(command: Command, spec: CommandSpec): Command {
  command.description(spec.description);
  for (const o of spec.options) command.addOption(toOption(spec, o));
  if (spec.helpAfter !== undefined) command.addHelpText('after', spec.helpAfter);
  return command;
}

function toOption(spec: CommandSpec, o: OptionSpec): Option {
  const option = new Option(o.flag, helpOf(spec, o));
  if (o.number === true) option.argParser(num);
  if (o.env !== undefined) option.env(o.env);
  return option;
}

/** The option's help, `{default}` filled in; a default that cannot be found is a programming error. */
export function helpOf(spec: CommandSpec, o: OptionSpec): string {
  if (!o.description.includes('{default}')) return o.description;
  const value = o.shownDefault ?? (o.key === undefined ? undefined : defaultOf(spec.schema, o.key));
  if (value === undefined) throw new Error(`${spec.name} ${o.flag}: help shows {default} but it has none`);
  return o.description.replaceAll('{default}', String(value));
}

/** The default the schema gives a dotted key, if any. */
export function defaultOf(schema: z.ZodObject, key: string): string | number | undefined {
  const leaf = schemaAt(schema, key);
  const parsed = leaf?.safeParse(undefined);
  const value: unknown = parsed?.success === true ? parsed.data : undefined;
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/** The schema of a dotted key; undefined when the schema has no such setting. */
export function schemaAt(schema: z.ZodObject, key: string): z.ZodType | undefined {
  let node: z.ZodType = schema;
  for (const part of key.split('.')) {
    const object = unwrap(node);
    if (!(object instanceof z.ZodObject)) return undefined;
    const child = (object.shape as Record<string, z.ZodType | undefined>)[part];
    if (child === undefined) return undefined;
    node = child;
  }
  return node;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodPrefault) {
    s = s.unwrap() as z.ZodType;
  }
  return s;
}

type Parsed = Record<string, unknown>;

/** The command's configuration from its parsed options: defaults ← `--config` file ← LOA_* ← flags. */
export function commandConfig<S extends z.ZodObject>(spec: CommandSpec<S>, parsed: Parsed): z.infer<S> {
  return resolveCommandConfig(spec.schema, parsed, configFlags(spec, parsed));
}

/**
 * The parsed options as configuration keys, for resolveCommandConfig. Every key is present, given or
 * not (so that an error says it has a flag), except a section the schema makes optional (`tls`, `ws`,
 * `limits`): it is there only when one of its flags is given, and otherwise left to the file.
 */
export function configFlags(spec: CommandSpec, parsed: Parsed): Parsed {
  const flags: Parsed = {};
  for (const o of spec.options) {
    if (o.key === undefined) continue;
    const path = o.key.split('.');
    let target = flags;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Parsed;
    target[path[path.length - 1] ?? ''] = parsed[new Option(o.flag).attributeName()];
  }
  for (const [section, value] of Object.entries(flags)) {
    const optional = spec.schema.shape[section] instanceof z.ZodOptional;
    if (optional && isPlain(value) && !hasValue(value)) flags[section] = undefined;
  }
  return flags;
}

function isPlain(v: unknown): v is Parsed {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasValue(v: unknown): boolean {
  return isPlain(v) ? Object.values(v).some(hasValue) : v !== undefined;
}
