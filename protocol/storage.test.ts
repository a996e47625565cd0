// The storage names are a contract (dashboards and scripts outside read them): this pins every
// measurement, retention policy, tag, field and field type of protocol/storage.ts to what
// docs/protocol.md says, so that the code and the documentation cannot drift apart.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FieldKind } from './line-protocol.js';
import { STORAGE_SCHEMA } from './storage.js';

const doc = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## 10. How messages are stored'));

/** The rows of every table in `text` whose header starts with the cells `header`. */
function tableRows(text: string, ...header: string[]): string[][] {
  const rows: string[][] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      inside = false;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (header.every((h, i) => cells[i] === h)) inside = true;
    else if (inside && !/^-+$/.test(cells[0] ?? '')) rows.push(cells);
  }
  return rows;
}

/** Names in backticks, leaving out what parentheses say about them (values, former names). */
const names = (cell: string) =>
  [...cell.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

interface Documented {
  retention: string;
  tags: string[];
  fields: Record<string, FieldKind>;
}

function documentedTypes(): Map<string, Documented> {
  const out = new Map<string, Documented>();
  for (const [measurement = '', retention = '', tags = '', fields = ''] of tableRows(
    section,
    'measurement',
    'retention policy',
  )) {
    const typed: Record<string, FieldKind> = {};
    for (const group of fields.split('·')) {
      const [kind = '', list = ''] = group.split(':');
      for (const name of names(list)) typed[name] = kind.trim() as FieldKind;
    }
    out.set(names(measurement)[0] ?? '', {
      retention: names(retention)[0] ?? '',
      tags: names(tags),
      fields: typed,
    });
  }
  return out;
}

const schema = Object.values(STORAGE_SCHEMA);

describe('the storage schema against docs/protocol.md', () => {
  it('names each measurement by its own key', () => {
    for (const [key, m] of Object.entries(STORAGE_SCHEMA)) expect(m.name).toBe(key);
  });

  it('lists every measurement with its retention policy, tags, fields and field types', () => {
    const documented = documentedTypes();
    expect([...documented.keys()].sort()).toEqual(schema.map((m) => m.name).sort());
    for (const m of schema) {
      expect({ measurement: m.name, ...documented.get(m.name) }).toEqual({
        measurement: m.name,
        retention: m.retention,
        tags: [...m.tags],
        fields: { ...m.fields },
      });
    }
  });

  it("describes every measurement, with the same tags, in the section's tables", () => {
    // The tables that say what each point means: "measurement | time | tags | fields".
    const described = new Map(
      tableRows(section, 'measurement', 'time').map(
        (r) => [names(r[0] ?? '')[0] ?? '', names(r[2] ?? '')] as const,
      ),
    );
    expect([...described.keys()].sort()).toEqual(schema.map((m) => m.name).sort());
    for (const m of schema) expect([m.name, described.get(m.name)]).toEqual([m.name, [...m.tags]]);
  });

  it('gives every tag and field a key and each field one of the four types', () => {
    for (const m of schema) {
      expect(new Set(m.tags).size).toBe(m.tags.length);
      for (const [field, kind] of Object.entries(m.fields)) {
        expect(['string', 'int', 'float', 'bool']).toContain(kind);
        // A tag and a field of one name would read back as `name` and `name_1`.
        expect(m.tags).not.toContain(field);
      }
    }
  });
});
