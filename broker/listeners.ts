import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../runtime/index.js';

export interface BrokerUrls {
  url: string;
  /** `mqtts://host:port`, with a TLS listener. */
  tlsUrl?: string;
  /** `ws://host:port/mqtt`, with a WebSocket listener. */
  wsUrl?: string;
}

export interface TlsListenerOptions {
  port: number;
  host?: string;
  /** PEM. */
  key: string | Buffer;
  cert: string | Buffer;
  /** CA(s) that sign device certificates: a verified certificate whose CN is a device id logs it in. */
  ca?: string | Buffer;
  /** Refuse TLS connections without a valid client certificate (mutual TLS only). Default false. */
  requireClientCert?: boolean;
}

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: TlsListenerOptions;
  /** MQTT over WebSocket, path default `/mqtt`. */
  ws?: { port: number; host?: string; path?: string };
  logger: Logger;
}

/**
 * Connections the kernel completes and queues for the broker to accept (listen(2)'s backlog; capped by
 * net.core.somaxconn, 4096 on current Linux). Node's default is 511: when a whole fleet reconnects at
 * once on a loaded machine the queue overflows, the kernel drops the handshake's last ACK, and a device
 * that has already sent its CONNECT is reset (ECONNRESET) instead of waiting a moment longer. EMQX's
 * TCP listeners default to 1024.
 */
const LISTEN_BACKLOG = 4096;

/** Hands a new connection to the broker (broker/admission.ts). */
export type Accept = (socket: Duplex, remote: string | undefined, req?: IncomingMessage) => void;

/** The broker's listeners: TCP always, TLS and WebSocket when configured. No I/O before open(). */
export class Listeners {
  private readonly servers: { close(callback: () => void): void }[] = [];

  constructor(
    private readonly options: ListenerOptions,
    private readonly accept: Accept,
  ) {}

  /** Listens on each; on a failure, what was opened stays for close() to close. */
  async open(): Promise<BrokerUrls> {
    const { host, port, tls, ws } = this.options;
    const tcp = createServer((socket) => {
      this.accept(socket, socket.remoteAddress);
    });
    this.servers.push(tcp);
    const urls: BrokerUrls = { url: `mqtt://${formatAddress(await this.listen(tcp, { port, host }))}` };
    if (tls) {
      const { port: tlsPort, host: tlsHost, requireClientCert = false, ...credentials } = tls;
      // requestCert: a device may present a certificate (its CN is its id, see auth.ts); whether it
      // must is requireClientCert. The CA in `ca` decides which certificates are verified.
      const tlsServer = createTlsServer(
        { ...credentials, requestCert: true, rejectUnauthorized: requireClientCert },
        (socket) => {
          this.accept(socket, socket.remoteAddress);
        },
      );
      this.servers.push(tlsServer);
      const at = { port: tlsPort, ...(tlsHost !== undefined && { host: tlsHost }) };
      urls.tlsUrl = `mqtts://${formatAddress(await this.listen(tlsServer, at))}`;
    }
    if (ws) {
      const path = ws.path ?? '/mqtt';
      const httpServer = createHttpServer();
      const wss = new WebSocketServer({ server: httpServer, path });
      wss.on('connection', (socket, req) => {
        this.accept(createWebSocketStream(socket), req.socket.remoteAddress, req);
      });
      this.servers.push({
        close: (callback) => {
          wss.close();
          httpServer.close(callback);
        },
      });
      const at = { port: ws.port, ...(ws.host !== undefined && { host: ws.host }) };
      urls.wsUrl = `ws://${formatAddress(await this.listen(httpServer, at))}${path}`;
    }
    return urls;
  }

  /**
   * Stops accepting at once; resolves when the last connection of each listener is gone (the broker
   * closes them meanwhile).
   */
  close(): Promise<void> {
    const closed = this.servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          // Calls back with an error if it never listened: closed all the same.
          server.close(() => {
            resolve();
          });
        }),
    );
    return Promise.all(closed).then(() => undefined);
  }

  private async listen(server: Server, at: { port: number; host?: string }): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: at.port, host: at.host ?? this.options.host, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => {
      this.options.logger.error({ err: error }, 'listener error');
    });
    return server.address() as AddressInfo;
  }
}

function formatAddress({ address, port }: AddressInfo): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}
