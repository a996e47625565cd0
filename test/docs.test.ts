// The docs are part of the product: these checks fail when they drift from the code.
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
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
