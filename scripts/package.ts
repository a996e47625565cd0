// Builds the two Debian packages with Debian's own dpkg-deb, from this tree and nothing downloaded:
//   loa-agent_<version>_all.deb  the agent's single file (runs on Node.js 18 and newer), its unit, its user;
//   loa_<version>_all.deb        the whole `loa` under /usr/lib/loa with its npm libraries, loa.service.
// `npm run package [outdir]` (default dist/deb); the package test (test/packages.integration.test.ts)
// calls buildPackages. How an operator installs them: the README (platform) and docs/agent.md §1 (agent).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleAgent } from './bundle-agent.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const MAINTAINER = 'Loa developers <loa@example.vn>';

/**
 * npm dependencies `loa` does not load when it runs, left out of the platform package: tsx runs the
 * TypeScript sources in a clone (`npm run loa`, the scripts); the package runs the compiled files. Leaving
 * it out also leaves out esbuild's native binary, which has no place in an `Architecture: all` package.
 */
const NOT_AT_RUNTIME = new Set(['tsx']);

interface PackageSpec {
  name: 'loa' | 'loa-agent';
  /** For the user's GECOS field. */
  role: string;
  depends: string;
  recommends?: string;
  section: string;
  synopsis: string;
  description: string;
  conffiles: string[];
}

const AGENT: PackageSpec = {
  name: 'loa-agent',
  role: 'Loa edge agent',
  depends: 'nodejs (>= 18), adduser',
  section: 'net',
  synopsis: 'edge agent of the Loa telemetry for commune loudspeaker radio',
  // Short lines: lintian warns from 80 characters on.
  description: [
    'Runs on the station or loudspeaker-cluster box: announces it to the',
    'provincial MQTT broker, sends heartbeats and passes on the broadcast logs',
    'and events of the playout software, through an outbox on disk that',
    'survives outages and power cuts. One file that needs nothing but',
    'Node.js 18 or newer.',
  ].join('\n'),
  conffiles: ['/etc/loa/agent.yaml'],
};

const PLATFORM: PackageSpec = {
  name: 'loa',
  role: 'Loa platform',
  depends: 'nodejs (>= 20), influxdb, adduser',
  recommends: 'mosquitto',
  section: 'net',
  synopsis: 'telemetry for commune loudspeaker radio (broker, ingest, coverage)',
  description: [
    'The Loa platform on one machine: an authenticated MQTT broker for the',
    'edge agents, a durable ingest into InfluxDB 1.x, the coverage engine of',
    'the new-rural loudspeaker criterion and its alerts, and the loa command (dashboards,',
    'simulator, reports). loa.service runs loa up --config /etc/loa/loa.yaml.',
  ].join('\n'),
  conffiles: ['/etc/loa/loa.yaml'],
};

/** Paths of the two packages built. */
export interface BuiltPackages {
  version: string;
  agent: string;
  platform: string;
}

export async function buildPackages(outDir: string): Promise<BuiltPackages> {
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const work = await mkdtemp(join(tmpdir(), 'loa-package-'));
  try {
    await mkdir(outDir, { recursive: true });
    const agent = await buildPackage(AGENT, version, join(work, AGENT.name), stageAgent, outDir);
    const platform = await buildPackage(PLATFORM, version, join(work, PLATFORM.name), stagePlatform, outDir);
    return { version, agent, platform };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function buildPackage(
  spec: PackageSpec,
  version: string,
  stage: string,
  fill: (stage: string) => Promise<void>,
  outDir: string,
): Promise<string> {
  await fill(stage);
  await copyFile('deploy/debian/copyright', stage, `usr/share/doc/${spec.name}/copyright`);
  await copyFile('docs/CHANGELOG.md', stage, `usr/share/doc/${spec.name}/CHANGELOG.md`);
  await write(
    stage,
    `usr/share/doc/${spec.name}/changelog.gz`,
    gzipSync(debianChangelog(spec, version), { level: 9 }),
  );
  await copyFile(`deploy/${spec.name}.service`, stage, `lib/systemd/system/${spec.name}.service`);
  const manPage = await readFile(join(root, `deploy/debian/${spec.name}.1`));
  await write(stage, `usr/share/man/man1/${spec.name}.1.gz`, gzipSync(manPage, { level: 9 }));
  await normalizeModes(stage);

  const debian = join(stage, 'DEBIAN');
  await mkdir(debian, { mode: 0o755 });
  for (const script of ['postinst', 'prerm', 'postrm']) {
    const text = (await readFile(join(root, 'deploy/debian', script), 'utf8'))
      .replaceAll('@PACKAGE@', spec.name)
      .replaceAll('@ROLE@', spec.role);
    await writeFile(join(debian, script), text, { mode: 0o755 });
  }
  await writeFile(join(debian, 'conffiles'), spec.conffiles.map((f) => `${f}\n`).join(''), { mode: 0o644 });
  await writeFile(join(debian, 'md5sums'), await md5sums(stage), { mode: 0o644 });
  await writeFile(join(debian, 'control'), control(spec, version, await installedSizeKb(stage)), {
    mode: 0o644,
  });

  const deb = join(outDir, `${spec.name}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return deb;
}

/** The agent: its single file, /usr/bin/loa-agent, the sample configuration as /etc/loa/agent.yaml. */
async function stageAgent(stage: string): Promise<void> {
  // The file keeps its .mjs name (Node.js 18 knows a module by it) and /usr/bin links to it.
  await bundleAgent(join(stage, 'usr/lib/loa-agent/loa-agent.mjs'));
  await rm(join(stage, 'usr/lib/loa-agent/loa-agent.mjs.map'));
  await link(stage, 'usr/bin/loa-agent', '../lib/loa-agent/loa-agent.mjs');
  await copyFile('docs/agent.example.yaml', stage, 'etc/loa/agent.yaml');
  await copyFile('docs/agent.md', stage, 'usr/share/doc/loa-agent/agent.md');
}

/** The platform: the compiled `loa`, the npm libraries it loads, /etc/loa/loa.yaml and the inventory folder. */
async function stagePlatform(stage: string): Promise<void> {
  const lib = join(stage, 'usr/lib/loa');
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      join(lib, 'dist'),
      '--sourceMap',
      'false',
    ],
    { stdio: 'inherit' },
  );
  await copyFile('bin/loa.js', stage, 'usr/lib/loa/bin/loa.js');
  await copyFile('package.json', stage, 'usr/lib/loa/package.json');
  for (const dir of await runtimeModules()) {
    await cp(join(root, dir), join(lib, dir), {
      recursive: true,
      filter: (source) => keepInPackage(relative(join(root, dir), source)),
    });
  }
  await link(stage, 'usr/bin/loa', '../lib/loa/bin/loa.js');
  await copyFile('deploy/loa.yaml', stage, 'etc/loa/loa.yaml');
  await mkdir(join(stage, 'etc/loa/inventory'), { recursive: true });
  await copyFile('README.md', stage, 'usr/share/doc/loa/README.md');
  await copyFile(
    'docs/examples/inventory/an-giang.yaml',
    stage,
    'usr/share/doc/loa/examples/inventory/an-giang.yaml',
  );
}

/** Folders of an npm package that its code does not load: its tests (also `*.test.js`), examples, benchmarks. */
const NOT_LOADED = new Set(['test', 'tests', '__tests__', 'example', 'examples', 'benchmark', 'benchmarks']);

/**
 * Whether a path inside an npm package goes into the platform package. Out: nested node_modules (each is
 * copied when its own entry is: only those the runtime needs), what NOT_LOADED names, and the developers'
 * files that lintian calls errors in a Debian package (dot-files such as .eslintrc, .npmignore; Makefiles;
 * HTML pages that load scripts from the web), and the TypeScript sources, type declarations and source maps nothing runs.
 */
function keepInPackage(path: string): boolean {
  if (path === '') return true;
  const parts = path.split('/');
  const name = parts.at(-1) ?? '';
  return (
    !parts.includes('node_modules') &&
    !parts.some((p) => NOT_LOADED.has(p)) &&
    !name.startsWith('.') &&
    name !== 'Makefile' &&
    !name.endsWith('.html') &&
    !/\.[mc]?ts$|\.test\.[mc]?js$/.test(name) &&
    !name.endsWith('.map')
  );
}

interface LockEntry {
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * The node_modules folders `loa` loads: the package's dependencies and theirs, resolved as Node.js does
 * (the nearest node_modules up the tree) in package-lock.json, which records where npm put each one.
 */
async function runtimeModules(): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const found = new Set<string>();
  const visit = (from: string, names: Iterable<string>, optional: boolean) => {
    for (const name of names) {
      const path = resolveIn(lock.packages, from, name);
      if (path === undefined) {
        if (optional) continue;
        throw new Error(`package-lock.json: ${name} (needed by ${from || 'loa'}) is not installed`);
      }
      if (found.has(path)) continue;
      found.add(path);
      const entry = lock.packages[path] ?? {};
      visit(path, Object.keys(entry.dependencies ?? {}), false);
      visit(path, Object.keys(entry.optionalDependencies ?? {}), true);
    }
  };
  const top = lock.packages[''] ?? {};
  visit(
    '',
    Object.keys(top.dependencies ?? {}).filter((name) => !NOT_AT_RUNTIME.has(name)),
    false,
  );
  return [...found].sort();
}

function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ;) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

function control(spec: PackageSpec, version: string, installedSize: number): string {
  return [
    `Package: ${spec.name}`,
    `Version: ${version}`,
    'Architecture: all',
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedSize}`,
    `Depends: ${spec.depends}`,
    ...(spec.recommends === undefined ? [] : [`Recommends: ${spec.recommends}`]),
    `Section: ${spec.section}`,
    'Priority: optional',
    `Description: ${spec.synopsis}`,
    ...spec.description.split('\n').map((line) => ` ${line}`),
    '',
  ].join('\n');
}

/** One entry: the version of package.json, pointing at docs/CHANGELOG.md for what changed. */
function debianChangelog(spec: PackageSpec, version: string): string {
  const date = new Date().toUTCString().replace('GMT', '+0000');
  return [
    `${spec.name} (${version}) unstable; urgency=medium`,
    '',
    `  * Loa ${version}: see /usr/share/doc/${spec.name}/CHANGELOG.md.`,
    '',
    ` -- ${MAINTAINER}  ${date}`,
    '',
  ].join('\n');
}

async function copyFile(from: string, stage: string, to: string): Promise<void> {
  await write(stage, to, await readFile(join(root, from)));
}

async function write(stage: string, to: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(join(stage, to)), { recursive: true });
  await writeFile(join(stage, to), data);
}

async function link(stage: string, at: string, target: string): Promise<void> {
  await mkdir(dirname(join(stage, at)), { recursive: true });
  await symlink(target, join(stage, at));
}

/** Every regular file of the tree (not the links, not DEBIAN/), relative to it, sorted. */
async function files(stage: string): Promise<string[]> {
  const entries = await readdir(stage, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(stage, join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith('DEBIAN/'))
    .sort();
}

/**
 * Folders 0755, files 0644, and 0755 for a file that starts with `#!`: a script (the two programs, and
 * the command-line tools of some libraries) is executable, as Debian wants, whatever mode npm left.
 */
async function normalizeModes(stage: string): Promise<void> {
  for (const e of await readdir(stage, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name);
    if (e.isDirectory()) await chmod(path, 0o755);
    else if (e.isFile()) await chmod(path, (await startsWithShebang(path)) ? 0o755 : 0o644);
  }
  await chmod(stage, 0o755);
}

async function startsWithShebang(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    await file.read(head, 0, 2, 0);
    return head.toString('latin1') === '#!';
  } finally {
    await file.close();
  }
}

async function md5sums(stage: string): Promise<string> {
  const lines: string[] = [];
  for (const f of await files(stage)) {
    lines.push(
      `${createHash('md5')
        .update(await readFile(join(stage, f)))
        .digest('hex')}  ${f}\n`,
    );
  }
  return lines.join('');
}

async function installedSizeKb(stage: string): Promise<number> {
  let bytes = 0;
  for (const f of await files(stage)) bytes += (await stat(join(stage, f))).size;
  return Math.ceil(bytes / 1024);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const built = await buildPackages(process.argv[2] ?? join(root, 'dist/deb'));
  process.stdout.write(
    `${relative(process.cwd(), built.agent)}\n${relative(process.cwd(), built.platform)}\n`,
  );
}
