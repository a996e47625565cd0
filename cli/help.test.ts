// `loa … --help` of every command, compared with test/fixtures/help/: an option, its help or the
// default it shows cannot change or disappear unnoticed (options are declared once, in the
// cli/*-register.ts files, and their defaults come from the schemas). Rendered in process, as a terminal
// 80 columns wide without colours would show it. A new command or option writes its file on the first
// local run (`npx vitest run cli/help.test.ts -u` after an intended change): review it like code.
import { readdirSync } from 'node:fs';
import type { Command } from 'commander';
import { expect, it } from 'vitest';
import { createProgram } from './program.js';

/** What `--help` prints for `command`, with the text added before and after its options. */
function helpOf(command: Command): string {
  let out = '';
  command.configureOutput({
    writeOut: (s) => (out += s),
    getOutHelpWidth: () => 80,
    getOutHasColors: () => false,
  });
  command.outputHelp();
  return out;
}

function commandsUnder(command: Command, path: string[] = []): [string[], Command][] {
  return [[path, command], ...command.commands.flatMap((c) => commandsUnder(c, [...path, c.name()]))];
}

it("every command's --help is the one recorded", async () => {
  const all = commandsUnder(createProgram());
  for (const [path, command] of all) {
    await expect(helpOf(command)).toMatchFileSnapshot(
      `../test/fixtures/help/${['loa', ...path].join('-')}.txt`,
    );
  }
  expect(all.map(([path]) => path.join(' '))).toEqual(
    expect.arrayContaining(['up', 'simulate run', 'broker export-mosquitto', 'coverage run']),
  );
  // A command removed leaves no recorded help behind.
  const recorded = readdirSync(new URL('../test/fixtures/help/', import.meta.url)).sort();
  expect(recorded).toEqual(all.map(([path]) => `${['loa', ...path].join('-')}.txt`).sort());
});
