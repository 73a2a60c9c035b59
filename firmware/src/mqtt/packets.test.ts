import { describe, expect, it } from "vitest";
import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import { encodeConnect, encodePublish, encodeRemainingLength, encodeSubscribe, type Packet } from "./packets";
import { PacketParser } from "./parser";

const bin = (s: string) => Buffer.from(s, "latin1");

function parseWithMqttPacket(s: string) {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const out: mqttPacket.Packet[] = [];
  const errors: Error[] = [];
  parser.on("packet", (p) => out.push(p));
  parser.on("error", (e) => errors.push(e));
  parser.parse(bin(s));
  expect(errors).toEqual([]);
  return out;
}

describe("MQTT 3.1.1 packets", () => {
  it("encodes the remaining length as in §2.2.3 table 2.4", () => {
    const cases: [number, number[]][] = [
      [0, [0x00]], [127, [0x7f]], [128, [0x80, 0x01]], [16383, [0xff, 0x7f]], [16384, [0x80, 0x80, 0x01]],
      [2097151, [0xff, 0xff, 0x7f]], [2097152, [0x80, 0x80, 0x80, 0x01]], [268435455, [0xff, 0xff, 0xff, 0x7f]],
    ];
    for (const [n, bytes] of cases) expect([...bin(encodeRemainingLength(n))]).toEqual(bytes);
    expect(() => encodeRemainingLength(268435456)).toThrow(/out of range/);
  });

  it("CONNECT with will, user and password is read back by mqtt-packet", () => {
    const [p] = parseWithMqttPacket(encodeConnect({
      clientId: "pit-1", keepalive: 60, clean: false, user: "u", pass: "p",
      will: { topic: "manure/demo/node/pit-1/status", payload: '{"v":1,"state":"offline"}', qos: 1, retain: true },
    }));
    expect(p).toMatchObject({
      cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "pit-1", keepalive: 60, clean: false,
      username: "u", will: { topic: "manure/demo/node/pit-1/status", qos: 1, retain: true },
    });
    const c = p as mqttPacket.IConnectPacket;
    expect(c.password?.toString()).toBe("p");
    expect(c.will?.payload.toString()).toBe('{"v":1,"state":"offline"}');
  });

  it("PUBLISH of any size and SUBSCRIBE are read back by mqtt-packet", () => {
    fc.assert(fc.property(fc.string({ maxLength: 20000 }).map((s) => s.replace(/[^\x20-\x7e]/g, "a")), fc.integer({ min: 1, max: 65535 }), fc.boolean(), (payload, id, dup) => {
      const [p] = parseWithMqttPacket(encodePublish("a/b", payload, 1, true, id, dup));
      expect(p).toMatchObject({ cmd: "publish", topic: "a/b", qos: 1, retain: true, dup, messageId: id });
      expect((p as mqttPacket.IPublishPacket).payload.toString()).toBe(payload);
    }), { numRuns: 50 });
    const [s] = parseWithMqttPacket(encodeSubscribe(7, [{ topic: "x/ack", qos: 1 }, { topic: "x/cmd", qos: 1 }]));
    expect(s).toMatchObject({ cmd: "subscribe", messageId: 7, subscriptions: [{ topic: "x/ack", qos: 1 }, { topic: "x/cmd", qos: 1 }] });
  });

  it("the stream parser yields the same packets however TCP cuts the stream", () => {
    const packets = [
      mqttPacket.generate({ cmd: "connack", returnCode: 0, sessionPresent: true }),
      mqttPacket.generate({ cmd: "publish", topic: "t/1", payload: Buffer.from("x".repeat(300)), qos: 1, messageId: 9, retain: false, dup: false }),
      mqttPacket.generate({ cmd: "puback", messageId: 3 }),
      mqttPacket.generate({ cmd: "pingresp" }),
    ];
    const stream = Buffer.concat(packets).toString("latin1");
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 30 }), (cuts) => {
      const got: Packet[] = [];
      const parser = new PacketParser((p) => got.push(p));
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      let at = 0;
      for (const c of [...points, stream.length]) {
        parser.push(stream.substring(at, c));
        at = c;
      }
      expect(got.map((p) => p.type)).toEqual([2, 3, 4, 13]);
      expect(got[1].body.length).toBe(2 + 3 + 2 + 300);
    }));
  });

  it("rejects a remaining length longer than four bytes", () => {
    const parser = new PacketParser(() => undefined);
    expect(() => parser.push("\x30\xff\xff\xff\xff\x01")).toThrow(/malformed/);
  });
});
