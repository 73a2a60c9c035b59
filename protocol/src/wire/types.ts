/**
 * The wire contract between sensor nodes and the gateway, version 1.
 * Documented with examples in protocol/README.md; validated by ./validate.ts on the gateway.
 *
 * JSON on MQTT. Compact because an ESP32 running Espruino has tens of kilobytes for
 * everything: readings are tuples, keys are one or two letters.
 *
 * (node, boot, seq) identifies an uplink message: a message sent again (after a lost ack,
 * a reconnect or a reboot) carries the same triple and is never stored twice.
 */

export const WIRE_VERSION = 1;

/** Quality flags of a reading (bit mask). Bits 0..7 are set by the node, 8..15 by the gateway. */
export const Q = {
  /** No value: the Modbus transaction failed (timeout, CRC, exception, device offline). */
  MODBUS_ERROR: 1,
  /** Value outside the register map's plausible range: kept, but not trusted by rules. */
  OUT_OF_RANGE: 2,
  /** The device reported its own fault sentinel (for example a broken PT100 probe). */
  SENSOR_FAULT: 4,
  /** The node's clock was not synchronised: t is node uptime in ms, not epoch ms. */
  CLOCK_UNSYNC: 8,
  /** Gateway: t was placed on the gateway's clock from the message's send time and uptime. */
  TIME_CORRECTED: 256,
  /** Gateway: flagged by a sensor-health rule (stuck, disagreeing probes...). */
  HEALTH_SUSPECT: 512,
};

/** GNSS fix quality as in NMEA 0183 GGA field 6: 0 invalid, 1 GPS, 2 DGPS, ... */
export type FixQuality = number;

/** Position where a reading was taken: [latitude, longitude, fix quality], WGS84 degrees. */
export type Position = [number, number, FixQuality];

/** Optional extras of a reading: e = reason there is no value or it is flagged; p = position. */
export interface ReadingExtra {
  e?: string;
  p?: Position;
}

/**
 * One reading: [sensor key, time, value or null, quality flags, extras?].
 * Sensor key is "<device id>.<point name>" from the node's configuration and register map.
 * Time is epoch ms, or node uptime ms when flags has Q.CLOCK_UNSYNC.
 * Value is null only together with a flag and a reason (x.e).
 */
export type Reading = [string, number, number | null, number, ReadingExtra?];

/** Topic <base>/<farm>/node/<node>/up, QoS 1. */
export interface UplinkMessage {
  /** Contract version (WIRE_VERSION). */
  v: number;
  /** Node id; must equal the topic's node level. */
  n: string;
  /** Boot counter, incremented at every power-up and kept in flash. */
  b: number;
  /** Message sequence number, per boot, strictly increasing from 1. */
  s: number;
  /** Time the message was made (it is frozen then): epoch ms when cs = 1, else node uptime ms. */
  t: number;
  /** 1 when the node's clock was synchronised (from a gateway ack) when the message was made. */
  cs: 0 | 1;
  /** Node uptime in ms when the message was made. */
  up: number;
  /**
   * Node uptime in ms at THIS send, set at every send and only for a message of the current
   * boot. The gateway places an unsynchronised reading at receivedAt - (su - reading time):
   * a message made during an outage is sent hours later, and `up` alone would shift its
   * readings by that delay. Without su (a message of an earlier boot, or an older node) `up`
   * is used, which is exact only for a message sent as soon as it was made.
   */
  su?: number;
  /** Readings, oldest first; at least one. */
  r: Reading[];
  /**
   * Predecessor: the (boot, seq) of the message just before this one in the node's queue when
   * it was sent, or 0 when this is the oldest message the node holds (everything before it was
   * acked, or dropped by the node from a full flash). Set at every send, not at creation. The
   * gateway acks a message only along this chain (see AckMessage), so a message the broker
   * dropped on the way (../shared/anchors.md: mosquitto's max_queued_messages) is never covered
   * by a cumulative ack. Absent from nodes older than this field: acked as received.
   */
  p?: [number, number] | 0;
}

/**
 * Topic <base>/<farm>/node/<node>/ack, QoS 1. Cumulative: every message of this node with
 * (boot, seq) <= (b, s), compared lexicographically, that reached the gateway is durably
 * stored (committed). Sent after the transaction that holds the message has committed.
 * A node sends its queue oldest first and resends from its oldest unacknowledged message
 * after every reconnect and when acks stop coming. A broker may still drop a message on the
 * way to the gateway (a full subscriber queue) and deliver the next one, so the gateway acks
 * (b, s) only when the predecessor chain (UplinkMessage.p) links it to what it has already
 * acked or to the node's oldest message: every message the node holds up to (b, s) is stored.
 * A message that does not link yet is stored but not acked; the node resends it later.
 */
export interface AckMessage {
  v: number;
  b: number;
  s: number;
  /**
   * Gateway time when the ack was made, epoch ms, for the node to set its clock. An ack may be
   * delivered late (a persistent session keeps it through an outage), so the node treats it as
   * a sample bounded by the acked message's first send (firmware/src/app/node-clock.ts).
   */
  t: number;
  /**
   * Set when the message (b, s) was rejected as invalid: it is kept in the gateway's reject
   * log and acknowledged anyway, so a malformed message never blocks a node's queue.
   */
  err?: string;
}

export interface BufferStatus {
  /** Messages waiting in RAM. */
  ram: number;
  /** Messages waiting in flash. */
  flash: number;
  /** Messages dropped since boot because flash was full (oldest first). */
  dropped: number;
}

/** Topic <base>/<farm>/node/<node>/status, retained, QoS 1; the MQTT will is {v, state:"offline"}. */
export interface StatusMessage {
  v: number;
  state: "online" | "offline";
  /** Firmware version. */
  fw?: string;
  b?: number;
  up?: number;
  t?: number;
  cs?: 0 | 1;
  /** Espruino process.memory(): JsVars free and total. */
  mem?: { free: number; total: number };
  buf?: BufferStatus;
  /** Error counters since boot: modbus timeouts, CRC errors, exceptions, MQTT reconnects, watchdog resets... */
  err?: { [counter: string]: number };
  /** Per Modbus device: transactions ok, failed, and whether it is marked offline. */
  dev?: { [device: string]: { ok: number; err: number; off: 0 | 1 } };
}

export type CommandOp = "config" | "reboot" | "resend" | "ping";

/** Topic <base>/<farm>/node/<node>/cmd, QoS 1. */
export interface CommandMessage {
  v: number;
  /** Correlation id, echoed in the result. */
  id: string;
  op: CommandOp;
  /** op "config": the new node configuration (validated, stored and applied without reboot). */
  cfg?: unknown;
  /**
   * Deadline, gateway time (epoch ms). A command can reach a node long after it was sent (the
   * broker keeps it in the node's persistent session through an outage) when the gateway has
   * already marked it expired; a node whose clock is synchronised and past `exp` does not run it
   * and answers ok: false, err "expired". Without `exp` (or before the node's clock is synced)
   * the command runs whenever it arrives.
   */
  exp?: number;
}

/** Topic <base>/<farm>/node/<node>/cmd/res, QoS 1. */
export interface CommandResult {
  v: number;
  id: string;
  ok: boolean;
  err?: string;
  t: number;
}
