// docs/architecture.md's folder table says which folders each folder imports; this fails when the code
// and the table disagree, so a newcomer can trust it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

function importedFolders(folder: string): string[] {
  const found = new Set<string>();
  for (const file of sourceFiles(folder)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(?:\.\.\/)+([a-z0-9]+)\//g)) {
      if (m[1] !== undefined && m[1] !== folder) found.add(m[1]);
    }
  }
  return [...found].sort();
}

it("docs/architecture.md's folder table lists what each folder's code imports", () => {
  const table = readFileSync('docs/architecture.md', 'utf8')
    .split('\n')
    .flatMap((line) => {
      const m = /^\| `([a-z0-9]+)\/`\s*\|.*\|\s*([^|]+?)\s*\|$/.exec(line);
      return m?.[1] !== undefined && m[2] !== undefined ? [[m[1], m[2]] as const] : [];
    });
  expect(table.length).toBeGreaterThan(5);
  const folders = table.map(([folder]) => folder);
  for (const [folder, imports] of table) {
    const said =
      imports === 'nothing of the others'
        ? []
        : imports === 'all of the above'
          ? folders.slice(0, folders.indexOf(folder))
          : imports.split(',').map((s) => s.trim());
    const actual = importedFolders(folder);
    if (imports === 'all of the above')
      expect(
        actual.every((f) => said.includes(f)),
        folder,
      ).toBe(true);
    else expect([...said].sort(), `${folder}/ in docs/architecture.md`).toEqual(actual);
  }
});

// The lint gate lets the command line import a folder's defaults.ts past its index.ts, on the promise
// that it is plain values: an import there (but of types) would load the folder for every command.
it("a folder's defaults.ts imports nothing at run time", () => {
  const files = readdirSync('.', { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'node_modules')
    .map((d) => `${d.name}/defaults.ts`)
    .filter((f) => existsSync(f));
  expect(files).toEqual(
    expect.arrayContaining(['broker/defaults.ts', 'coverage/defaults.ts', 'ingest/defaults.ts']),
  );
  for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(/^\s*import\s+(?!type\s)/m);
});
