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
      // The same pairs as Grafana saves them: the name shown, the slug queried.
      options: [
        { text: 'Xã Vĩnh An', value: 'vinh-an', selected: true },
        { text: 'Xã Tân Lập', value: 'tan-lap', selected: false },
      ],
      current: { text: 'Xã Vĩnh An', value: 'vinh-an' },
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

type DashboardJson = {
  __inputs: { name: string; type: string; pluginId: string }[];
  __requires: { type: string; id: string }[];
  title: string;
  templating: { list: { name: string; type: string; hide?: number; current?: { value: string } }[] };
  panels: {
    type: string;
    title: string;
    datasource: { uid: string };
    targets: { query: string; datasource: { uid: string } }[];
    fieldConfig?: {
      overrides?: { matcher: { options: string }; properties: { id: string; value: unknown }[] }[];
    };
    options?: { sortBy?: { displayName: string }[] };
    transformations?: { id: string; options: { regex: string; renamePattern: string } }[];
  }[];
};

function dashboardsOf(tree: Map<string, string>): DashboardJson[] {
  return [...tree].filter(([file]) => file.endsWith('.json')).map(([, c]) => JSON.parse(c) as DashboardJson);
}

/** What Grafana's Dashboards → Import does with `__inputs` (no Grafana runs here: this is its rule). */
function importInto(json: string, inputs: Record<string, string>): string {
  return json.replace(/\$\{(\w+)\}/g, (whole, name: string) => inputs[name] ?? whole);
}

describe('dashboards that fit any Grafana', () => {
  it('can be imported by hand: one data-source input, which every panel and variable refers to', () => {
    for (const [file, content] of provisioningTree()) {
      if (!file.endsWith('.json')) continue;
      const d = JSON.parse(content) as DashboardJson;
      expect(d.__inputs, file).toEqual([
        expect.objectContaining({ name: 'DS_LOA_INFLUXDB', type: 'datasource', pluginId: 'influxdb' }),
      ]);
      expect(d.__requires.map((r) => `${r.type}:${r.id}`)).toEqual(
        expect.arrayContaining([
          'grafana:grafana',
          'datasource:influxdb',
          `panel:${d.panels[0]?.type ?? ''}`,
        ]),
      );
      // Imported into a Grafana whose InfluxDB has another uid: no reference is left unresolved.
      const imported = importInto(content, { DS_LOA_INFLUXDB: 'their-influx' });
      expect(imported, file).not.toContain('${DS_');
      const after = JSON.parse(imported) as DashboardJson;
      for (const panel of after.panels) {
        expect(panel.datasource.uid, `${file} ${panel.title}`).toBe('their-influx');
        for (const t of panel.targets) expect(t.datasource.uid).toBe('their-influx');
      }
      expect(imported).not.toContain('"uid": "loa-influxdb"');
    }
  });

  it('can be provisioned: a hidden data-source variable of the input name resolves it to loa-influxdb', () => {
    for (const d of dashboardsOf(provisioningTree())) {
      const variable = d.templating.list.find((v) => v.name === 'DS_LOA_INFLUXDB');
      expect(variable, d.title).toMatchObject({
        type: 'datasource',
        hide: 2,
        current: { value: 'loa-influxdb' },
      });
      for (const panel of d.panels) expect(panel.datasource.uid).toBe('${DS_LOA_INFLUXDB}');
    }
  });

  it('provisions its data source as not the default, unless asked', () => {
    type Sources = { datasources: { uid: string; isDefault: boolean }[] };
    const read = (tree: Map<string, string>) => parse(tree.get('datasources/loa.yaml') ?? '') as Sources;
    expect(read(provisioningTree()).datasources).toEqual([
      expect.objectContaining({ uid: 'loa-influxdb', isDefault: false }),
    ]);
    expect(read(provisioningTree(undefined, { defaultDatasource: true })).datasources[0]?.isDefault).toBe(
      true,
    );
  });

  it('speaks Vietnamese by default and English when asked, over the same queries', () => {
    const vi = dashboardsOf(provisioningTree());
    const en = dashboardsOf(provisioningTree(undefined, { lang: 'en' }));
    expect(vi.map((d) => d.title)).toEqual([
      'Loa — Độ phủ toàn tỉnh (tiêu chí loa truyền thanh)',
      'Loa — Xã',
      'Loa — Thiết bị',
      'Loa — Tình trạng hệ thống',
      'Loa — Bản tin khẩn cấp',
    ]);
    expect(en.map((d) => d.title)).toEqual([
      'Loa — Province coverage (loudspeaker criterion)',
      'Loa — Commune',
      'Loa — Device',
      'Loa — Platform health',
      'Loa — Emergency bulletin delivery',
    ]);
    expect(vi[0]?.panels.map((p) => p.title)).toEqual([
      'Ấp có loa hoạt động',
      'Xã đạt tiêu chí',
      'Cụm loa',
      'Độ phủ theo thời gian',
      'Các xã kém nhất',
    ]);
    const queries = (ds: DashboardJson[]) =>
      ds.flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => t.query)));
    expect(queries(vi)).toEqual(queries(en));
    const labels = (ds: DashboardJson[]) =>
      ds.flatMap((d) => d.templating.list.map((v) => (v as { label?: string }).label));
    expect(labels(vi)).toContain('Xã');
    expect(labels(en)).toContain('Commune');
  });

  it("legends and column headers in the reader's words, laid over the query columns", () => {
    const [province, , , platform] = dashboardsOf(provisioningTree());
    const worst = province?.panels.find((p) => p.title === 'Các xã kém nhất');
    const shown = new Map(
      (worst?.fieldConfig?.overrides ?? []).flatMap((o) =>
        o.properties.filter((p) => p.id === 'displayName').map((p) => [o.matcher.options, p.value]),
      ),
    );
    expect(shown.get('covered %')).toBe('ấp có loa (%)');
    expect(shown.get('since')).toBe('từ lúc');
    expect(worst?.options?.sortBy?.[0]?.displayName).toBe('ấp có loa (%)');
    // A legend drawn from a pattern ("instance column") is renamed in its column part.
    const rate = platform?.panels.find((p) => p.title === 'Tốc độ nhận dữ liệu');
    expect(rate?.transformations).toContainEqual({
      id: 'renameByRegex',
      options: { regex: '^(.*)received$', renamePattern: '$1đã nhận' },
    });
    // Stored words in tables and timelines read in Vietnamese too; the stored values stay for queries.
    const [, commune] = dashboardsOf(provisioningTree());
    const hamlets = commune?.panels.find((p) => p.title === 'Các ấp') as
      | { fieldConfig?: { defaults?: { mappings?: { options: Record<string, { text: string }> }[] } } }
      | undefined;
    const words = hamlets?.fieldConfig?.defaults?.mappings?.[0]?.options;
    expect(words?.covered?.text).toBe('có loa');
    expect(words?.not_met?.text).toBe('không đạt');
    expect(words?.emergency?.text).toBe('khẩn cấp');
    // English has nothing to lay over: its words are the columns'.
    const [enProvince] = dashboardsOf(provisioningTree(undefined, { lang: 'en' }));
    const enWorst = enProvince?.panels.find((p) => p.title === 'Worst communes');
    expect(
      enWorst?.fieldConfig?.overrides?.some((o) => o.properties.some((p) => p.id === 'displayName')),
    ).toBe(false);
    const enDefaults = (enWorst as { fieldConfig?: { defaults?: { mappings?: unknown[] } } } | undefined)
      ?.fieldConfig?.defaults;
    expect(enDefaults?.mappings ?? []).toEqual([]);
  });
});
