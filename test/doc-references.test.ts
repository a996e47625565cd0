// Code comments and docs point at the design by path and heading (docs/design.md, docs/protocol.md §10,
// CONTRIBUTING.md#tests, …). This fails when such a pointer names a file or heading that does not exist,
// or points outside the repository, so the design cannot drift away from the code that cites it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Tracked (and untracked, not ignored) source and doc files, as git lists them. */
function projectFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((f) => /\.(ts|js|md|yaml|yml|sh)$/.test(f) && existsSync(f))
    .filter((f) => !f.startsWith('dashboards/provisioning/'));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const headingCache = new Map<string, string[]>();
function headings(file: string): string[] {
  let list = headingCache.get(file);
  if (list === undefined) {
    list = [];
    let fenced = false;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.startsWith('```')) fenced = !fenced;
      const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
      if (m?.[1] !== undefined) list.push(m[1]);
    }
    headingCache.set(file, list);
  }
  return list;
}

interface Reference {
  from: string;
  line: number;
  target: string;
  anchor?: string;
  section?: string;
}

/** Pointers in one file: a doc's path, alone or with `#anchor` or ` §N`, and Markdown links. */
function references(file: string): Reference[] {
  const found: Reference[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, i) => {
    const line = i + 1;
    for (const m of text.matchAll(
      /\b((?:docs\/[\w.-]+\/?)*(?:docs\/[\w.-]+\.md|CONTRIBUTING\.md|README\.md))(?:#([\w-]+)|\s+§\s?(\d+))?/gu,
    )) {
      if (m[1] === undefined) continue;
      found.push({
        from: file,
        line,
        target: m[1],
        ...(m[2] && { anchor: m[2] }),
        ...(m[3] && { section: m[3] }),
      });
    }
    if (file.endsWith('.md')) {
      const prose = text.replace(/`[^`]*`/g, ''); // code spans hold regexes and examples, not links
      for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1] ?? '';
        if (/^[a-z]+:/.test(link)) continue; // https:, mailto:
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? file : normalize(join(dirname(file), path));
        found.push({ from: file, line, target, ...(anchor && { anchor }) });
      }
    }
  });
  return found;
}

describe('references to the design', () => {
  const files = projectFiles();

  it('point inside the repository, never at the design documents the project started from', () => {
    const outside = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((text, i) =>
          /\b(DESIGN|CONVENTIONS)(\.md| §)/.test(text) ? [`${file}:${i + 1}: ${text.trim()}`] : [],
        ),
    );
    expect(outside).toEqual([]);
  });

  it('name files and headings that exist', () => {
    const broken: string[] = [];
    for (const ref of files.flatMap(references)) {
      const where = `${ref.from}:${ref.line} → ${ref.target}${ref.anchor ? `#${ref.anchor}` : ''}${ref.section ? ` §${ref.section}` : ''}`;
      if (!existsSync(ref.target)) {
        broken.push(`${where}: no such file`);
        continue;
      }
      if (!ref.target.endsWith('.md')) continue;
      const list = headings(ref.target);
      if (ref.anchor !== undefined && !list.some((h) => headingAnchor(h) === ref.anchor))
        broken.push(`${where}: no such heading`);
      if (ref.section !== undefined && !list.some((h) => new RegExp(`^${ref.section}\\.\\s`).test(h)))
        broken.push(`${where}: no section ${ref.section}`);
    }
    expect(broken).toEqual([]);
  });

  it('makes anchors as GitHub does', () => {
    expect(headingAnchor('10. How messages are stored')).toBe('10-how-messages-are-stored');
    expect(headingAnchor('1. Install / Cài đặt')).toBe('1-install--cài-đặt');
    expect(headingAnchor('Facts worth keeping at hand')).toBe('facts-worth-keeping-at-hand');
  });
});
