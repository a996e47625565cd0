// Debian 12's own Node.js 18.20 for tests of the agent's single file, without installing it: `apt-get
// download` fetches the packages (nodejs, libnode108, the libraries this machine lacks, and the three
// Node.js modules Debian builds apart from libnode: acorn, cjs-module-lexer, undici), `dpkg-deb -x` opens
// them in a temporary folder. libnode108 loads those modules from the fixed path /usr/share/nodejs, so
// the binary runs in a private mount namespace (`unshare -m`) where an overlay shows the folder's
// /usr/share over the machine's: nothing outside the process sees it. Needs root, apt-get and unshare.
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** How to run a file (an executable whose first line starts `node`) with Debian's Node.js 18. */
export interface DebianNode18 {
  version: string;
  /** The command and arguments that run `file args…` with Node.js 18 first on PATH. */
  command(file: string, args: string[]): { command: string; args: string[]; env: NodeJS.ProcessEnv };
}

const MULTIARCH = 'usr/lib/x86_64-linux-gnu';

/** Why Debian's Node.js 18 cannot be had here, or undefined when it can. */
export function debianNode18Unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (apt-get download, unshare -m with an overlay mount)';
  if (process.arch !== 'x64') return `Debian's packages are fetched for amd64, this is ${process.arch}`;
  if (debianNode18Version() === undefined) return 'apt-get has no nodejs 18 candidate (not Debian 12?)';
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs loa-probe /mnt'], { stdio: 'ignore' });
  } catch {
    return 'cannot mount in a private namespace here (unshare -m: a container without CAP_SYS_ADMIN?)';
  }
  return undefined;
}

function debianNode18Version(): string | undefined {
  try {
    const madison = execFileSync('apt-cache', ['madison', 'nodejs'], { encoding: 'utf8' });
    return /\|\s*(18\.\S+)\s*\|/.exec(madison)?.[1];
  } catch {
    return undefined;
  }
}

function installed(name: string): boolean {
  try {
    return (
      execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Status}', name], { encoding: 'utf8' }) ===
      'installed'
    );
  } catch {
    return false;
  }
}

/** Downloads and opens Debian's Node.js 18 in `dir` (a temporary folder the caller removes). */
export async function prepareDebianNode18(dir: string): Promise<DebianNode18> {
  const version = debianNode18Version();
  if (version === undefined) throw new Error('no nodejs 18 candidate');
  const download = (names: string[]) =>
    execFileSync('apt-get', ['download', '-q', ...names], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  download([`nodejs=${version}`, `libnode108=${version}`]);
  const [libnode] = (await readdir(dir)).filter((f) => f.startsWith('libnode108_'));
  if (libnode === undefined) throw new Error('libnode108 was not downloaded');
  const depends = execFileSync('dpkg-deb', ['-f', join(dir, libnode), 'Depends'], { encoding: 'utf8' })
    .split(',')
    .map((d) => d.trim().split(/[\s(|]/)[0] ?? '')
    .filter((name) => name !== '' && !installed(name));
  if (depends.length > 0) download(depends);
  const root = join(dir, 'root');
  for (const deb of (await readdir(dir)).filter((f) => f.endsWith('.deb')))
    execFileSync('dpkg-deb', ['-x', join(dir, deb), root]);
  const overlay = `lowerdir=${root}/usr/share:/usr/share`;
  return {
    version,
    command: (file, args) => ({
      command: 'unshare',
      args: [
        '-m',
        'sh',
        '-c',
        `mount -t overlay loa-node18 -o ${overlay} /usr/share && exec "$@"`,
        'sh',
        file,
        ...args,
      ],
      env: { PATH: `${root}/usr/bin:${process.env.PATH ?? ''}`, LD_LIBRARY_PATH: join(root, MULTIARCH) },
    }),
  };
}
