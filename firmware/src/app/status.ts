/** The status message (protocol/src/wire/types.ts StatusMessage), retained on <...>/status. */
import { WIRE_VERSION, type StatusMessage } from "@manure-edge/protocol";
import type { DeviceLink } from "../modbus/master";

export interface StatusInputs {
  fw: string;
  boot: number;
  uptime: number;
  t: number;
  synced: boolean;
  mem: { free: number; total: number };
  buf: { ram: number; flash: number; dropped: number };
  err: { [counter: string]: number };
  devices: DeviceLink[];
}

export function buildStatus(i: StatusInputs): StatusMessage {
  const dev: { [id: string]: { ok: number; err: number; off: 0 | 1 } } = {};
  for (let k = 0; k < i.devices.length; k++) {
    const d = i.devices[k];
    dev[d.id] = { ok: d.ok, err: d.errors(), off: d.offline ? 1 : 0 };
  }
  return {
    v: WIRE_VERSION, state: "online", fw: i.fw, b: i.boot, up: i.uptime, t: i.t, cs: i.synced ? 1 : 0,
    mem: i.mem, buf: i.buf, err: i.err, dev: dev,
  };
}

/** Totals over devices of the Modbus error kinds. */
export function modbusCounters(devs: DeviceLink[]): { [k: string]: number } {
  const c = { mbTimeout: 0, mbCrc: 0, mbExc: 0, mbBad: 0 };
  for (let i = 0; i < devs.length; i++) {
    c.mbTimeout += devs[i].timeout;
    c.mbCrc += devs[i].crc;
    c.mbExc += devs[i].exception;
    c.mbBad += devs[i].bad;
  }
  return c;
}
