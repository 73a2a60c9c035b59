/** The boot counter in Storage, incremented at every start (uplink messages carry it as `b`). */
import type { Storage } from "../hw/types";

export const BOOT_FILE = "boot";

export function nextBoot(st: Storage): number {
  const prev = parseInt(st.read(BOOT_FILE) || "0", 10);
  const b = (isNaN(prev) ? 0 : prev) + 1;
  st.write(BOOT_FILE, String(b));
  return b;
}
