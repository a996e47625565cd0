// Setup of the unit tier (vitest.config.ts): a unit test opens no socket, not even on loopback. A test
// that needs a server or a client of one is an integration test (`*.integration.test.ts`); this makes the
// tier's name true by refusing, for the duration of each unit file, to listen or to connect.
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';

const { listen } = net.Server.prototype;
const { connect } = net.Socket.prototype;

function refuse(what: string): never {
  throw new Error(
    `a unit test opened a socket (${what}): name the file *.integration.test.ts (CONTRIBUTING.md#tests)`,
  );
}

beforeAll(() => {
  net.Server.prototype.listen = () => refuse('listen');
  net.Socket.prototype.connect = () => refuse('connect');
});

afterAll(() => {
  net.Server.prototype.listen = listen;
  net.Socket.prototype.connect = connect;
});
