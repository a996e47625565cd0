import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { ServiceAccount } from '../broker/index.js';
import { ConfigError } from './config.js';
import { serviceAccountsFileSchema } from './schema.js';

/** Reads and validates the service accounts file; problems name the file, the line and the field. */
export async function loadServiceAccounts(file: string): Promise<ServiceAccount[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read: ${(error as Error).message}`);
  }
  return parseServiceAccounts(text, file);
}

export function parseServiceAccounts(text: string, file: string): ServiceAccount[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const [yamlError] = doc.errors;
  if (yamlError !== undefined) {
    const { line } = lines.linePos(yamlError.pos[0]);
    throw new ConfigError(`${file}:${line}: not valid YAML: ${yamlError.message.split('\n')[0] ?? ''}`);
  }
  const result = serviceAccountsFileSchema.safeParse(doc.toJS() ?? []);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues
        .slice(0, 20)
        .map((issue) => {
          const line = lineOf(doc, issue.path, lines);
          const path = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
          const message =
            issue.path.length === 0 && issue.code === 'invalid_type'
              ? 'must be a YAML list of { username, secret, role }'
              : issue.message;
          return `${file}${line === undefined ? '' : `:${line}`}: ${path}${message}`;
        })
        .join('\n'),
    );
  }
  return result.data.map(({ username, secret, role, province }) =>
    province === undefined
      ? { username, secretHash: secret, role }
      : { username, secretHash: secret, role, province },
  );
}

/** `[1].secret`, as the inventory's messages write paths. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`))
    .join('');
}

/** The line of the deepest node of `path` that exists in the document. */
function lineOf(doc: Document, path: readonly PropertyKey[], lines: LineCounter): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
