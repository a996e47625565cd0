// The docs are part of the product: these checks fail when they drift from the code.
import { readdir, readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import type { z } from 'zod';
import { AGENT_COMMAND, AGENT_LOG_COMMAND, agentFileSchema } from '../cli/index.js';
import { loadInventory } from '../protocol/index.js';

it('the example inventory in docs/ loads', async () => {
  const inventory = await loadInventory('docs/examples/inventory');
  expect(inventory.deviceCount).toBe(3);
  expect(inventory.device('vinh-an-fm02')?.monitored).toBe(false);
});

it("the README's two commands exist as npm scripts", async () => {
  const readme = await readFile('README.md', 'utf8');
  const scripts = (JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  expect(readme).toContain('npm run up');
  expect(readme).toContain('npm test');
  expect(scripts.up).toBeDefined();
  expect(scripts.test).toBeDefined();
  expect(await readFile('.ci/run', 'utf8')).toMatch(/^npm test$/m);
});

it('nobody is told to install `loa` from the npm registry (that name is another project), nor can it be published there', async () => {
  const docs = [
    'README.md',
    ...(await readdir('docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ];
  for (const file of docs) {
    expect(await readFile(file, 'utf8'), file).not.toMatch(
      /npm (install|i|add)\b[^\n`]*\s-g\s+loa\b|npx loa\b/,
    );
  }
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { name: string; private?: boolean };
  expect(pkg.private === true || pkg.name.startsWith('@')).toBe(true);
});

it('docs/agent.md §2 names every setting the agent cannot start without, and each flag it shows exists', async () => {
  const doc = await readFile('docs/agent.md', 'utf8');
  const section2 = doc.slice(doc.indexOf('## 2. '), doc.indexOf('## 3. '));
  const required = Object.entries(agentFileSchema.shape)
    .filter(([, schema]) => !(schema as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
  expect(required.sort()).toEqual(['brokerUrl', 'commune', 'deviceId', 'kind', 'province']);
  // Each in the settings table, on a row that says so.
  const rows = section2.split('\n').filter((line) => line.startsWith('| `'));
  for (const key of required) {
    expect(
      rows.find((row) => row.split('|')[1]?.includes(`\`${key}\``)),
      key,
    ).toContain('(required)');
  }

  const known = new Set([...AGENT_COMMAND.flags, ...AGENT_LOG_COMMAND.flags].map((f) => f.name));
  for (const name of ['help', 'version']) known.add(name);
  const shown = [...doc.matchAll(/\bloa[ -]agent(?: log)?\b[^\n`]*/g)].flatMap((m) =>
    [...m[0].matchAll(/\s--([a-z][a-z-]*)/g)].map((f) => f[1] ?? ''),
  );
  expect(shown.length).toBeGreaterThan(0);
  for (const flag of shown) expect(known, `--${flag} in docs/agent.md`).toContain(flag);
});
