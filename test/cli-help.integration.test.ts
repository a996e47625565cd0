// `loa … --help` of every command, compared with test/fixtures/help/: an option, its help or the
// default it shows cannot change or disappear unnoticed (the options are declared once, in the
// cli/*-register.ts files, and their defaults come from the schemas). A new command or option writes its
// file on the first local run (`npx vitest run -u` after an intended change); review it like code.
import { describe, expect, it } from 'vitest';
import { spawnLoa } from './cli-process.js';

async function help(command: readonly string[]): Promise<string> {
  const p = spawnLoa([...command, '--help']);
  const code = await p.exit();
  expect({ command: command.join(' '), code }).toEqual({ command: command.join(' '), code: 0 });
  return p.output();
}

/** The subcommands listed under "Commands:" (commander's own `help` left out). */
function subcommands(text: string): string[] {
  const section = text.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z0-9-]*)/gm)]
    .map((m) => m[1] ?? '')
    .filter((name) => name !== 'help');
}

describe('help', () => {
  it("every command's --help is the one recorded", async () => {
    const seen: string[] = [];
    let level: string[][] = [[]];
    while (level.length > 0) {
      const texts = await Promise.all(level.map((c) => help(c)));
      const next: string[][] = [];
      for (const [i, command] of level.entries()) {
        const text = texts[i] ?? '';
        const name = ['loa', ...command].join('-');
        seen.push(name);
        await expect(text).toMatchFileSnapshot(`fixtures/help/${name}.txt`);
        for (const sub of subcommands(text)) next.push([...command, sub]);
      }
      level = next;
    }
    // The walk found the commands (a broken "Commands:" parse would compare the top level only).
    expect(seen).toEqual(
      expect.arrayContaining(['loa-up', 'loa-simulate-run', 'loa-broker-export-mosquitto']),
    );
  });
});
