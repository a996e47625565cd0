import type { Command } from 'commander';
import { DEFAULT_LANG, isLang, LANGS, messages, type Lang, type Messages } from '../i18n/index.js';
import { ConfigError, readConfigFile } from './config.js';

/**
 * The language of what `loa` writes for people: `--lang` (a global option, before or after the
 * command), else `LOA_LANG`, else `lang:` in the command's `--config` file, else Vietnamese. Chosen
 * once before the command runs; machine output (JSON, CSV, metrics, logs) does not depend on it.
 */
let chosen: Lang = DEFAULT_LANG;

export function currentLang(): Lang {
  return chosen;
}

export function currentMessages(): Messages {
  return messages(chosen);
}

function checked(value: unknown, where: string): Lang {
  if (isLang(value)) return value;
  throw new ConfigError(`${where}: unknown language "${String(value)}" (known: ${LANGS.join(', ')})`);
}

/** Flag over variable over file; each source is named in the error when its value is unknown. */
export function chooseLang(sources: { flag?: unknown; env?: string; file?: string }): Lang {
  if (sources.flag !== undefined) return checked(sources.flag, '--lang');
  if (sources.env !== undefined && sources.env !== '') return checked(sources.env, 'LOA_LANG');
  if (sources.file !== undefined) {
    const value = readConfigFile(sources.file).lang;
    if (value !== undefined) return checked(value, `${sources.file}: lang`);
  }
  return DEFAULT_LANG;
}

const LANG_FLAG = '--lang <lang>';
const LANG_HELP = `language of what is written for people: ${LANGS.join(' | ')} (default vi)`;

/**
 * Adds `--lang` to `program` and to every command under it (commander reads an option only where it is
 * declared, and `loa dashboards build --lang en` must work as well as `loa --lang en dashboards build`),
 * and chooses the language before any command's action. Call it after every command is registered.
 */
export function addLangOption(program: Command): Command {
  const declare = (command: Command): void => {
    if (command.name() === 'agent') return;
    if (!command.options.some((o) => o.long === '--lang')) command.option(LANG_FLAG, LANG_HELP);
    command.commands.forEach(declare);
  };
  declare(program);
  return program.hook('preAction', (_root, command) => {
    if (underAgent(command)) return;
    const options = command.optsWithGlobals<{ lang?: unknown; config?: unknown }>();
    const config = command.opts<{ config?: unknown }>().config;
    chosen = chooseLang({
      flag: options.lang,
      env: process.env.LOA_LANG,
      ...(typeof config === 'string' && { file: config }),
    });
  });
}

/** The agent writes logs only (machine output), and its own entry takes no --lang: nothing to choose. */
function underAgent(command: Command | null): boolean {
  for (let c = command; c !== null; c = c.parent) if (c.name() === 'agent') return true;
  return false;
}
