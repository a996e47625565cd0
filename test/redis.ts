// A private redis-server (Debian's `redis-server`) for tests: its own port and folder, no persistence
// to disk, stopped with the test.
import { spawn } from 'node:child_process';
import { freePort } from './mosquitto.js';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(dir: string): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`redis-server did not start: ${out}`));
    }, 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited: ${out}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
