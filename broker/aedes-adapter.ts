import type { Aedes, Client, PublishPacket } from 'aedes';

/**
 * Everything Loa reads from aedes that its typings do not promise, in one place (issue #15, point 3).
 * Each accessor names the aedes (or aedes-persistence) field it reads; aedes-adapter.test.ts pins each
 * against the installed version, so an upgrade that renames or drops one fails there, not in production
 * as a wrong disconnect reason or a missed takeover.
 */

/** The live client with this id: aedes keeps them in `aedes.clients`, by id (aedes.js, `registerClient`). */
export function liveClient(aedes: Aedes, id: string): Client | undefined {
  return (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[id];
}

/**
 * Whether the client ended its session with a DISCONNECT packet: aedes sets `client._disconnected` then
 * (lib/handlers/index.js), and skips the Will for it. False for a dropped link or a broker-side close.
 */
export function closedByClient(client: Client): boolean {
  return (client as { _disconnected?: unknown })._disconnected === true;
}

/**
 * The id of the client whose Will this is: aedes-persistence (memory and Redis) stamps `clientId` on a
 * Will it stores (`putWill`), which is all that is left of the client when another broker instance's
 * Will is released here.
 */
export function willClientId(packet: PublishPacket): string | undefined {
  const id = (packet as { clientId?: unknown }).clientId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The peer address of a client's connection, for throttling and logs: the socket's `remoteAddress` (TCP
 * and TLS; the typings' `Connection` is a bare Duplex), or the HTTP request's for a WebSocket stream.
 */
export function remoteAddress(client: Client): string {
  const conn = client.conn as { remoteAddress?: unknown };
  if (typeof conn.remoteAddress === 'string') return conn.remoteAddress;
  return client.req?.socket.remoteAddress ?? 'unknown';
}
