import { EXCEPTION, exceptionName, type ModbusRequest } from "@manure-edge/protocol";

/** The four Modbus data tables (Modbus Application Protocol V1.1b3 §4.3). */
export type Table = "coil" | "discrete" | "holding" | "input";

/** An exception a device answers with (Modbus Application Protocol V1.1b3 §7). */
export class ModbusException extends Error {
  constructor(
    readonly code: number,
    detail: string,
  ) {
    super(`${exceptionName(code)}: ${detail}`);
    this.name = "ModbusException";
  }
}

/**
 * A slave device's data model: what it holds, independent of how requests reach it (the
 * byte-level RTU bus, Modbus TCP, a serial pty). Bits are 0/1, registers u16.
 * read/write throw ModbusException for anything the device refuses.
 */
export interface RegisterSpace {
  /** The tables the device implements; a function code on any other table is ILLEGAL FUNCTION. */
  hasTable(table: Table): boolean;
  read(table: Table, address: number, count: number): number[];
  write(table: Table, address: number, values: number[]): void;
}

/** A slave on a bus: its address, whether it is powered, and its data. */
export interface SlaveDevice extends RegisterSpace {
  readonly unit: number;
  /** False while the device has no power: it answers nothing. */
  readonly powered: boolean;
}

const TABLE_OF_FC: Record<number, Table> = { 1: "coil", 2: "discrete", 3: "holding", 4: "input", 5: "coil", 6: "holding", 15: "coil", 16: "holding" };

export function tableOf(fc: number): Table | undefined {
  return TABLE_OF_FC[fc];
}

/**
 * Executes a decoded request on a device, following the server state diagrams of Modbus
 * Application Protocol V1.1b3 §6.1–6.12: function code supported (else 01), quantity valid
 * (03, already checked by protocol's decodeRequest), address range valid (02), then the
 * device's own processing (04 or what it throws). Returns the values for a read, [] for a
 * write; throws ModbusException.
 */
export function execute(device: RegisterSpace, req: ModbusRequest): number[] {
  const table = tableOf(req.fc);
  if (!table || !device.hasTable(table)) throw new ModbusException(EXCEPTION.ILLEGAL_FUNCTION, `function ${req.fc} not implemented by this device`);
  try {
    if (req.fc <= 4) return device.read(table, req.address, req.count);
    device.write(table, req.address, req.values);
    return [];
  } catch (e) {
    if (e instanceof ModbusException) throw e;
    // Anything else that goes wrong inside the device is a device failure (§7, code 04).
    throw new ModbusException(EXCEPTION.SERVER_DEVICE_FAILURE, e instanceof Error ? e.message : String(e));
  }
}

/**
 * A plain register bank: fixed-size tables of raw values, every address from 0 to size-1
 * valid. For tests and for devices described register by register.
 */
export class RegisterBank implements SlaveDevice {
  powered = true;
  readonly tables: Partial<Record<Table, number[]>>;

  constructor(
    readonly unit: number,
    tables: Partial<Record<Table, number[]>>,
  ) {
    this.tables = tables;
  }

  hasTable(table: Table): boolean {
    return this.tables[table] !== undefined;
  }

  read(table: Table, address: number, count: number): number[] {
    const t = this.tables[table]!;
    if (address + count > t.length) throw new ModbusException(EXCEPTION.ILLEGAL_DATA_ADDRESS, `${table} ${address}+${count} beyond ${t.length}`);
    return t.slice(address, address + count);
  }

  write(table: Table, address: number, values: number[]): void {
    const t = this.tables[table]!;
    if (address + values.length > t.length) throw new ModbusException(EXCEPTION.ILLEGAL_DATA_ADDRESS, `${table} ${address}+${values.length} beyond ${t.length}`);
    for (let i = 0; i < values.length; i++) t[address + i] = values[i];
  }
}
