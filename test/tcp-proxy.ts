import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * Test support (not exported from index.ts): a TCP proxy between an agent and its broker that a test
 * cuts (every connection dropped, new ones hung up on, as when the 4G cell goes away) and restores.
 */
export interface TcpProxy {
  /** `mqtt://127.0.0.1:PORT`, the address to give the agent. */
  url: string;
  cut(): void;
  /**
   * Silent death: nothing passes any more, yet no connection is closed, as when a box behind a NAT
   * loses power or a 4G cell goes quiet; only keepalives can tell. New connections are held, unanswered.
   */
  freeze(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let open = true;
  let frozen = false;
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    if (frozen) {
      sockets.add(client);
      client.pause();
      client.on('error', () => client.destroy());
      client.on('close', () => sockets.delete(client));
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    freeze() {
      frozen = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    restore() {
      open = true;
      frozen = false; // connections held while frozen stay dead: their clients time out and reconnect
    },
    async close() {
      open = false;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
