// Runs the `loa` command line as a child process (from the TypeScript sources, so tests always run
// the code under test), for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface LoaProcess {
  child: ChildProcess;
  /** Resolves with the first stdout line matching, or rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  output(): string;
  /** Resolves with the exit code (null when a signal ended it) once its output is all read. */
  exit(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnLoa(
  args: string[],
  env: Record<string, string> = {},
  options: { input?: string } = {},
): LoaProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: root,
    // English: these tests read addresses and counts out of the lines `loa` prints for people, whose
    // Vietnamese wording is tested beside its code (cli/lang.test.ts, i18n/).
    env: { ...process.env, LOA_LOG_FORMAT: 'json', LOA_LOG_LEVEL: 'warn', LOA_LANG: 'en', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Nothing to read unless a test pipes something in, as `printf secret | loa secret hash` would.
  child.stdin.end(options.input ?? '');
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (code: number | null) => {
      resolve(code);
    }),
  );
  return {
    child,
    output: () => out + err,
    exit: () => closed,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output:\n${out}${err}`));
        }, timeoutMs);
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const onExit = () => {
          cleanup();
          reject(new Error(`loa exited (${child.exitCode}) before ${pattern}; output:\n${out}${err}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
