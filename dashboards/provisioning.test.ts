import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testInventory } from '../test/fixtures/province.js';
import { placeNames, provisioningTree, writeProvisioning } from './index.js';

const checkedIn = path.join(import.meta.dirname, 'provisioning');

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('the provisioning tree', () => {
  it('matches the checked-in files (run `loa dashboards build` after changing dashboards/)', async () => {
    const built = provisioningTree();
    expect(await listFiles(checkedIn)).toEqual([...built.keys()].sort());
    for (const [file, content] of built) {
      expect(await readFile(path.join(checkedIn, file), 'utf8'), `${file} is stale`).toBe(content);
    }
  });

  it('is what `loa dashboards build --out DIR` writes', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'loa-dashboards-'));
    try {
      const built = provisioningTree();
      expect((await writeProvisioning(out)).sort()).toEqual([...built.keys()].sort());
      for (const [file, content] of built) expect(await readFile(path.join(out, file), 'utf8')).toBe(content);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('is deterministic', () => {
    expect([...provisioningTree()]).toEqual([...provisioningTree()]);
  });

  it('gives every dashboard a stable, unique uid and every panel a data source', () => {
    const uids: string[] = [];
    for (const [file, content] of provisioningTree()) {
      if (!file.endsWith('.json')) continue;
      const d = JSON.parse(content) as {
        uid: string;
        panels: { datasource?: unknown; targets?: unknown[] }[];
      };
      expect(file).toBe(`dashboards/loa/${d.uid}.json`);
      uids.push(d.uid);
      for (const panel of d.panels) expect(panel.targets?.length).toBeGreaterThan(0);
    }
    expect(uids).toEqual(['loa-province', 'loa-commune', 'loa-device', 'loa-platform', 'loa-emergency']);
  });

  it('writes YAML Grafana can read, with apiVersion 1 and a deliberate noDataState', () => {
    const tree = provisioningTree();
    for (const file of ['datasources/loa.yaml', 'dashboards/loa.yaml', 'alerting/loa-rules.yaml']) {
      const doc = parse(tree.get(file) ?? '') as { apiVersion: number };
      expect(doc.apiVersion, file).toBe(1);
    }
    const rules = parse(tree.get('alerting/loa-rules.yaml') ?? '') as {
      groups: { rules: { noDataState: string; execErrState: string; data: { datasourceUid: string }[] }[] }[];
    };
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      expect(rule.noDataState).toBe('Alerting');
      expect(rule.execErrState).toBe('Error');
      expect(rule.data[0]?.datasourceUid).toBe('loa-influxdb');
    }
  });

  it('shows Vietnamese names in the place drop-downs when built with the inventory', async () => {
    const tree = provisioningTree(placeNames(await testInventory()));
    const commune = JSON.parse(tree.get('dashboards/loa/loa-commune.json') ?? '{}') as {
      templating: { list: { name: string; type: string; query: string }[] };
    };
    const byName = new Map(commune.templating.list.map((v) => [v.name, v]));
    expect(byName.get('province')).toMatchObject({ type: 'custom', query: 'An Giang : an-giang' });
    expect(byName.get('commune')).toMatchObject({
      type: 'custom',
      query: 'Xã Vĩnh An : vinh-an,Xã Tân Lập : tan-lap',
    });
    // Only the variables differ: every panel query is the one the panel test proves.
    const plain = JSON.parse(provisioningTree().get('dashboards/loa/loa-commune.json') ?? '{}') as {
      panels: unknown;
    };
    expect(commune).toMatchObject({ panels: plain.panels });
  });

  it('the docker-compose data sources are the generated ones with compose host names', async () => {
    type Sources = { datasources: { uid: string; type: string; jsonData?: unknown }[] };
    const generated = parse(provisioningTree().get('datasources/loa.yaml') ?? '') as Sources;
    const compose = parse(
      await readFile(path.join(import.meta.dirname, '..', 'deploy', 'grafana', 'datasources.yaml'), 'utf8'),
    ) as Sources;
    const shape = (s: Sources) => s.datasources.map(({ uid, type, jsonData }) => ({ uid, type, jsonData }));
    expect(shape(compose)).toEqual(shape(generated));
  });
});
