/** Wires a ModbusMaster to hil-sim's RS485 bus on a virtual clock (test helper). */
import { VirtualClock } from "../../hil-sim/src/clock/virtual-clock";
import { Rs485Bus } from "../../hil-sim/src/bus/rs485-bus";
import type { Transceiver } from "../../hil-sim/src/bus/transceiver";
import type { OutputPin, Uart } from "../src/hw/types";

export function busRig(baud = 9600) {
  const clock = new VirtualClock({ mode: { kind: "asFastAsPossible" } });
  const bus = new Rs485Bus(clock, { baud, parity: "none", stopBits: 1 });
  let listener: ((c: Uint8Array) => void) | null = null;
  const trx: Transceiver = bus.attachMaster({ onData: (c) => listener && listener(c) });
  const deLog: { t: number; high: boolean; txPending: number }[] = [];
  const uart: Uart = { write: (b) => trx.write(b), onData: (l) => (listener = l) };
  const de: OutputPin = {
    set: (h) => {
      deLog.push({ t: clock.now(), high: h, txPending: trx.txPending });
      trx.setDE(h);
    },
  };
  return { clock, bus, trx, uart, de, deLog };
}
