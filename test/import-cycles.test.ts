// No file of the product imports itself back through others, types included: a circle makes the
// order of module evaluation matter and hides which file owns what (the last one, between the ingest's
// pipeline and its broker presence point, was cut in issue 15). The folders' direction is lint's job.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { expect, it } from 'vitest';

const SKIP = /^(node_modules|dist|test-coverage|\.loa)\//;

function importGraph(): Map<string, string[]> {
  const files = readdirSync('.', { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !SKIP.test(f),
  );
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const imports = [...readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].map((m) =>
      normalize(join(dirname(file), `${m[1] ?? ''}.ts`)),
    );
    graph.set(file, imports);
  }
  return graph;
}

/** Every circle found by a depth-first walk, as `a.ts → b.ts → a.ts`. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = [];
  const open = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    open.add(file);
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (open.has(next)) found.push([...path.slice(path.indexOf(next)), next].join(' → '));
      else if (!done.has(next) && graph.has(next)) visit(next);
    }
    path.pop();
    open.delete(file);
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return found;
}

it('has no import circle between the files of the product', () => {
  const graph = importGraph();
  expect(graph.size).toBeGreaterThan(100);
  expect(circles(graph)).toEqual([]);
});

it('finds a circle when there is one', () => {
  expect(
    circles(
      new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', ['a.ts']],
      ]),
    ),
  ).toEqual(['a.ts → b.ts → a.ts']);
});
