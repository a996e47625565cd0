import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type { RateLimitedLog } from '../runtime/index.js';
import { PacketSizeGuard, type BrokerLimits } from './limits.js';
import type { BrokerCounters } from './metrics.js';
import type { DisconnectReasons } from './sessions.js';

export interface AdmissionOptions {
  aedes: Aedes;
  limits: Pick<BrokerLimits, 'maxConnections' | 'maxPacketBytes'>;
  counters: BrokerCounters;
  refusalLog: RateLimitedLog;
  reasons: DisconnectReasons;
  stopping: () => boolean;
}

/**
 * Where every transport hands its connections (TCP and TLS sockets, WebSocket streams) before aedes sees
 * them: the connection limit, and the packet size guard that cuts a client off on the fixed header of an
 * oversize packet, before the parser buffers its body.
 */
export class Admission {
  private readonly sockets = new Set<Duplex>();
  /** Clients cut off for an oversize packet (see HookContext.cutOff). */
  private readonly cut = new WeakSet<Client>();

  constructor(private readonly options: AdmissionOptions) {}

  accept(socket: Duplex, remote: string | undefined, req?: IncomingMessage): void {
    const { limits, counters, refusalLog } = this.options;
    if (this.sockets.size >= limits.maxConnections || this.options.stopping()) {
      counters.connectionsRefused.max_connections++;
      refusalLog(
        'max_connections',
        { address: remote, limit: limits.maxConnections },
        'connection refused: too many connections',
      );
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const client = this.options.aedes.handle(socket, req);
    const guard = new PacketSizeGuard(limits.maxPacketBytes);
    // With a 'readable' listener (aedes's) present, 'data' fires for each chunk aedes read()s, just
    // before aedes parses it: the guard sees the fixed header before the parser buffers the body.
    socket.on('data', (chunk: Buffer) => {
      const size = guard.feed(chunk);
      if (size === undefined || socket.destroyed) return;
      this.options.reasons.mark(client, 'protocol_error');
      this.cut.add(client);
      counters.connectionsRefused.packet_too_large++;
      refusalLog(
        'packet_too_large',
        { clientId: client.id, address: remote, size, limit: limits.maxPacketBytes },
        'connection closed: packet too large',
      );
      socket.destroy();
    });
  }

  /** Whether the broker cut this client off for an oversize packet. */
  cutOff(client: Client): boolean {
    return this.cut.has(client);
  }

  /** Closes every connection, including those that never completed a CONNECT (not aedes clients yet). */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
