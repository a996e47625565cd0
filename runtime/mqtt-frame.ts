/**
 * MQTT 3.1.1 framing by hand, for the few places that write raw packets: the simulator slipping a
 * malformed message into a device's own connection, and tests sending what a client library never would.
 */

/** The fixed header's remaining length: 7 bits a byte, least significant first, high bit = more. */
export function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

/** A length-prefixed string (or bytes), as topics, client ids and credentials are written. */
export function mqttString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** A whole packet: the first byte (type and flags), the remaining length, the body. */
export function mqttPacket(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}
