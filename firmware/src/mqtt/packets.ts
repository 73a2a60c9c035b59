/**
 * MQTT 3.1.1 packet encoding and decoding (OASIS Standard, 29 October 2014).
 * Packets are binary strings (one char per byte): Espruino's sockets take and give strings,
 * and strings are its most compact byte container. Topics and payloads we send are ASCII.
 */

export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const PINGREQ = 12;
export const PINGRESP = 13;
export const DISCONNECT = 14;

/** §2.2.3 Remaining Length: 7 bits per byte, continuation bit 0x80, at most 4 bytes. */
export function encodeRemainingLength(n: number): string {
  if (n < 0 || n > 268435455) throw new Error("mqtt: remaining length out of range: " + n);
  let out = "";
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit = digit | 0x80;
    out += String.fromCharCode(digit);
  } while (n > 0);
  return out;
}

/** §1.5.3 UTF-8 encoded string: two-byte big-endian length, then the bytes. */
export function str(s: string): string {
  return u16(s.length) + s;
}

export function u16(n: number): string {
  return String.fromCharCode((n >> 8) & 0xff, n & 0xff);
}

function packet(type: number, flags: number, body: string): string {
  return String.fromCharCode((type << 4) | flags) + encodeRemainingLength(body.length) + body;
}

export interface Will {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface ConnectOptions {
  clientId: string;
  keepalive: number;
  clean: boolean;
  user?: string;
  pass?: string;
  will?: Will;
}

/** §3.1 CONNECT: protocol name "MQTT", level 4, connect flags (§3.1.2.3), keep alive, payload. */
export function encodeConnect(o: ConnectOptions): string {
  let flags = 0;
  if (o.clean) flags |= 0x02; // §3.1.2.4 Clean Session
  let payload = str(o.clientId); // §3.1.3.1
  if (o.will) {
    flags |= 0x04 | (o.will.qos << 3) | (o.will.retain ? 0x20 : 0); // §3.1.2.5-3.1.2.7
    payload += str(o.will.topic) + str(o.will.payload);
  }
  if (o.user !== undefined) {
    flags |= 0x80; // §3.1.2.8
    payload += str(o.user);
    if (o.pass !== undefined) {
      flags |= 0x40; // §3.1.2.9: a password only together with a user name [MQTT-3.1.2-22]
      payload += str(o.pass);
    }
  }
  const vh = str("MQTT") + String.fromCharCode(4, flags) + u16(o.keepalive);
  return packet(CONNECT, 0, vh + payload);
}

/** §3.3 PUBLISH. Fixed header flags: DUP (bit 3), QoS (bits 2-1), RETAIN (bit 0). */
export function encodePublish(topic: string, payload: string, qos: 0 | 1, retain: boolean, id: number, dup: boolean): string {
  const flags = (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  // §3.3.2.2: the packet identifier is present only for QoS 1 and 2.
  return packet(PUBLISH, flags, str(topic) + (qos > 0 ? u16(id) : "") + payload);
}

/** §3.4 PUBACK. */
export function encodePuback(id: number): string {
  return packet(PUBACK, 0, u16(id));
}

/** §3.8 SUBSCRIBE: fixed header flags must be 0010 [MQTT-3.8.1-1]. */
export function encodeSubscribe(id: number, topics: { topic: string; qos: 0 | 1 }[]): string {
  let body = u16(id);
  for (let i = 0; i < topics.length; i++) body += str(topics[i].topic) + String.fromCharCode(topics[i].qos);
  return packet(SUBSCRIBE, 2, body);
}

/** §3.12 PINGREQ and §3.14 DISCONNECT: no variable header, no payload. */
export function encodePingreq(): string {
  return String.fromCharCode(PINGREQ << 4, 0);
}

export function encodeDisconnect(): string {
  return String.fromCharCode(DISCONNECT << 4, 0);
}

export interface Packet {
  type: number;
  flags: number;
  /** Variable header and payload, as a binary string. */
  body: string;
}

export interface IncomingPublish {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
  id: number;
}

export function readU16(s: string, at: number): number {
  return (s.charCodeAt(at) << 8) | s.charCodeAt(at + 1);
}

/** §3.3.2 variable header of an incoming PUBLISH. */
export function decodePublish(p: Packet): IncomingPublish {
  const qos = (p.flags >> 1) & 3;
  const tl = readU16(p.body, 0);
  if (2 + tl > p.body.length) throw new Error("mqtt: PUBLISH topic longer than the packet");
  const topic = p.body.substr(2, tl);
  let at = 2 + tl;
  let id = 0;
  if (qos > 0) {
    id = readU16(p.body, at);
    at += 2;
  }
  return { topic: topic, payload: p.body.substr(at), qos: qos, retain: (p.flags & 1) === 1, dup: (p.flags & 8) === 8, id: id };
}
