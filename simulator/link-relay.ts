import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { mqttPacket, mqttString } from '../runtime/index.js';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Bytes from the device that do not yet make a whole packet. */
  pending: Buffer;
}

/**
 * A virtual device's link: a TCP relay between its agent and the broker, one per device, so that a fault
 * can cut the link (as a 4G cell or a power cut does) without any hook in the agent, and slip packets of
 * its own into the device's connection (a malformed message, a publish on another device's topic).
 *
 * A cut closes both sockets: the broker sees the connection end without DISCONNECT and releases the
 * Will at once (a silent 4G drop would take 1.5 keepalives), and the agent sees its connection lost.
 * While cut, new connections are hung up on, as a box with no link would see its connects fail.
 */
export class LinkRelay {
  private server: Server | undefined;
  private address: string | undefined;
  private down = false;
  private readonly pairs = new Set<Pair>();

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on a free local port; resolves with the `mqtt://` URL to give the agent. */
  async start(): Promise<string> {
    const server = createServer((client) => {
      this.accept(client);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.address = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.address;
  }

  /** The `mqtt://` URL the agent connects to; known once started. */
  get url(): string {
    if (this.address === undefined) throw new Error('the link relay is not started');
    return this.address;
  }

  get isCut(): boolean {
    return this.down;
  }

  /** The link goes away: open connections are dropped, new ones refused until restore(). */
  cut(): void {
    this.down = true;
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
  }

  restore(): void {
    this.down = false;
  }

  /**
   * Writes one whole MQTT packet into the device's current connection, between two of the agent's own
   * packets. False when there is no connection to write into.
   */
  inject(packet: Buffer): boolean {
    for (const pair of this.pairs) {
      if (pair.upstream.writable && !pair.upstream.connecting) {
        pair.upstream.write(packet);
        return true;
      }
    }
    return false;
  }

  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private accept(client: Socket): void {
    if (this.down) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream, pending: Buffer.alloc(0) };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.pipe(client);
    // Device to broker: whole packets only, so that an injected packet never lands inside one.
    client.on('data', (chunk: Buffer) => {
      pair.pending = pair.pending.length === 0 ? chunk : Buffer.concat([pair.pending, chunk]);
      const whole = completePackets(pair.pending);
      if (whole > 0) {
        upstream.write(pair.pending.subarray(0, whole));
        pair.pending = pair.pending.subarray(whole);
      }
    });
  }
}

/** Bytes of `buffer` that form complete MQTT packets (fixed header, remaining length, body). */
export function completePackets(buffer: Buffer): number {
  let offset = 0;
  for (;;) {
    let length = 0;
    let multiplier = 1;
    let i = offset + 1;
    let complete = false;
    // The remaining length: up to 4 bytes of 7 bits each, least significant first.
    for (let n = 0; n < 4 && i < buffer.length; n++, i++) {
      const byte = buffer[i] ?? 0;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) {
        complete = true;
        i++;
        break;
      }
    }
    if (!complete || i + length > buffer.length) return offset;
    offset = i + length;
    if (offset === buffer.length) return offset;
  }
}

/** A QoS 0 PUBLISH packet (MQTT 3.1.1): no packet id, so it cannot collide with the agent's own. */
export function publishPacket(topic: string, payload: Buffer): Buffer {
  return mqttPacket(0x30, Buffer.concat([mqttString(topic), payload]));
}
