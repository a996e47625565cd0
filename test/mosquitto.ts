// A private Mosquitto 2 (Debian's `mosquitto`) for tests: its own configuration, port and temporary
// folder, stopped with the test. It speaks MQTT 5 with shared subscriptions, which aedes does not.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface MosquittoServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}

async function accepting(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error('mosquitto exited');
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts Mosquitto with `settings` (for example an exported mosquitto.conf) and a listener of its own. */
export async function startMosquitto(dir: string, settings: string): Promise<MosquittoServer> {
  const port = await freePort();
  const conf = join(dir, 'test-mosquitto.conf');
  // Run as whoever runs the tests (root in CI would otherwise drop to a user who cannot read dir).
  const user = process.getuid?.() === 0 ? 'user root\n' : '';
  // The listener first: some exported settings (use_username_as_clientid, max_connections) belong to it.
  await writeFile(conf, `listener ${port} 127.0.0.1\n${settings}\n${user}persistence false\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  try {
    await accepting(port, 10_000, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${out}`);
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
