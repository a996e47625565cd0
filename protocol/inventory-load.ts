import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { Inventory } from './inventory.js';
import { inventoryFileSchema, type InventoryFile } from './inventory-schema.js';

/** A bad inventory stops start-up with the file, the line, the path inside the file and what is wrong. */
export class InventoryError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly { path: string; line?: number; message: string }[],
  ) {
    super(
      problems
        .map(
          (p) =>
            `${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.path ? `${p.path}: ` : ''}${p.message}`,
        )
        .join('\n'),
    );
    this.name = 'InventoryError';
  }
}

/** Parses and validates one province file's text. */
export function parseInventoryFile(text: string, file: string): InventoryFile {
  return parseYamlFile(text, file, inventoryFileSchema);
}

/**
 * Parses YAML text and validates it with a zod schema. Problems stop with an InventoryError naming the
 * file, the line and the path inside it, as for a province file; other YAML files (the simulator's
 * scenarios) use it to report their mistakes the same way.
 */
export function parseYamlFile<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InventoryError(
      file,
      doc.errors.map((e) => ({
        path: '',
        // linePos is filled in only with prettyErrors; pos (offsets) always is.
        line: lineCounter.linePos(e.pos[0]).line,
        message: `YAML: ${e.message.split('\n')[0] ?? e.code}`,
      })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // An alias bomb (yaml refuses past 100 alias expansions) or another resolution failure.
    throw new InventoryError(file, [{ path: '', message: `YAML: ${(error as Error).message}` }]);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InventoryError(file, describe(result.error, doc, lineCounter));
}

/** Reads every `*.yaml`/`*.yml` file of a folder, one province each. */
export async function loadInventory(dir: string): Promise<Inventory> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    throw new InventoryError(dir, [
      { path: '', message: `cannot read the inventory folder: ${(error as Error).message}` },
    ]);
  }
  if (names.length === 0) {
    throw new InventoryError(dir, [
      { path: '', message: 'no province file (*.yaml) in the inventory folder' },
    ]);
  }
  const files = await Promise.all(
    names.map(async (n) => {
      const file = join(dir, n);
      return { file, content: parseInventoryFile(decodeUtf8(await readFile(file), file), file) };
    }),
  );
  try {
    return Inventory.fromFiles(files);
  } catch (error) {
    throw new InventoryError(dir, [{ path: '', message: (error as Error).message }]);
  }
}

/**
 * The file's text; invalid UTF-8 is refused with its line, not turned into U+FFFD in a name that would
 * then reach dashboards and alerts (issue #14).
 */
export function decodeUtf8(bytes: Buffer, file: string): string {
  const text = bytes.toString('utf8');
  const replaced = text.indexOf('\uFFFD');
  if (replaced < 0 || bytes.includes(Buffer.from('\uFFFD', 'utf8'))) return text;
  const line = text.slice(0, replaced).split('\n').length;
  throw new InventoryError(file, [{ path: '', line, message: 'not valid UTF-8 (save the file as UTF-8)' }]);
}

function describe(error: z.ZodError, doc: Document, lines: LineCounter) {
  return error.issues.slice(0, 20).map((issue) => {
    const path = formatPath(issue.path);
    return { path, line: lineOf(doc, issue.path, lines), message: issue.message };
  });
}

/** `communes[0].devices[2].secret` */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`))
    .join('');
}

/** The line of the deepest node that exists along the path (a missing key points at its parent). */
function lineOf(doc: Document, path: readonly PropertyKey[], lines: LineCounter): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (doc.contents as { range?: [number] } | null)?.range?.[0];
  for (const key of path) {
    let next: unknown;
    if (isMap(node)) next = node.get(key, true);
    else if (isSeq(node)) next = node.get(key, true);
    if (next === undefined) break;
    node = next;
    const range = (next as { range?: [number] }).range;
    if (range) offset = range[0];
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}
