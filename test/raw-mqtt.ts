// Hand-built MQTT 3.1.1 packets on a raw socket, for tests that send what a well-behaved client library
// never would: garbage, oversize headers, wildcards or NUL in a PUBLISH topic.
import { connect, type Socket } from 'node:net';
import { mqttPacket, mqttString as utf8 } from '../runtime/index.js';

export function connectPacket(
  clientId: string,
  username: string,
  password: string,
  keepaliveS = 60,
  will?: { topic: string; payload: string; qos: 0 | 1 },
): Buffer {
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(keepaliveS);
  // Protocol level 4 (3.1.1); flags: username, password, clean session, and a Will with its QoS.
  const flags = 0xc2 | (will === undefined ? 0 : 0x04 | (will.qos << 3));
  const header = Buffer.concat([utf8('MQTT'), Buffer.from([4, flags]), keepalive]);
  const willFields = will === undefined ? [] : [utf8(will.topic), utf8(will.payload)];
  return mqttPacket(
    0x10,
    Buffer.concat([header, utf8(clientId), ...willFields, utf8(username), utf8(password)]),
  );
}

export function publishPacket(
  topic: string | Buffer,
  payload: string,
  { retain = false, id = 1 } = {},
): Buffer {
  const messageId = Buffer.alloc(2);
  messageId.writeUInt16BE(id);
  return mqttPacket(0x32 | (retain ? 1 : 0), Buffer.concat([utf8(topic), messageId, Buffer.from(payload)]));
}

export interface RawClient {
  socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves with the CONNACK return code. */
  connack(): Promise<number>;
  /** Resolves when the broker has closed the connection. */
  closed: Promise<void>;
  send(bytes: Buffer): void;
}

/** `localAddress`: another loopback address (127.0.0.2, ...) stands for another remote host. */
export async function rawClient(url: string, localAddress?: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect({
    port: Number(port),
    host: hostname,
    ...(localAddress !== undefined && { localAddress }),
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let data = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
  });
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
  return {
    socket,
    received: () => data,
    closed,
    send: (bytes) => socket.write(bytes),
    async connack() {
      for (let i = 0; i < 500; i++) {
        if (data.length >= 4 && data[0] === 0x20) return data[3] as number;
        if (socket.destroyed) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('no CONNACK');
    },
  };
}
