// Setup of the unit tier (vitest.config.ts): a unit test opens no socket, not even on loopback. A test
// that needs a server or a client of one is an integration test (`*.integration.test.ts`); this makes the
// tier's name true by refusing, for the duration of each unit file, to listen or to connect.
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';

const patched = [
  [net.Server.prototype, 'listen'],
  [net.Socket.prototype, 'connect'],
] as const;
const originals = patched.map(([proto, name]) => Object.getOwnPropertyDescriptor(proto, name));

function refuse(what: string): never {
  throw new Error(
    `a unit test opened a socket (${what}): name the file *.integration.test.ts (CONTRIBUTING.md#tests)`,
  );
}

beforeAll(() => {
  for (const [proto, name] of patched) {
    Object.defineProperty(proto, name, { value: () => refuse(name), configurable: true, writable: true });
  }
});

afterAll(() => {
  for (const [i, [proto, name]] of patched.entries()) {
    const original = originals[i];
    if (original !== undefined) Object.defineProperty(proto, name, original);
  }
});
