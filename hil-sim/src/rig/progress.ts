import type { Rig } from "./rig";

/** Local time of China (UTC+8), where the demo farm is. */
const OFFSET_MS = 8 * 3_600_000;

interface PanelState {
  stores?: { id: string; levelM: number | null; fillPct: number | null }[];
  piles?: { id: string; coolestValid: { valueC: number | null } | null; probes: { position: string; valueC: number | null; valid: boolean }[]; harmlessness: { thresholdC: number; requiredDays: number; heldDays: number; met: unknown }[] }[];
  tankers?: { id: string; state: string; loadT: number | null; today: { loadT: number; unloadT: number } }[];
  alerts?: { rule: string; subject: string; severity: string }[];
}

const f1 = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d));

/**
 * One line of what the farm is doing, as the gateway sees it (the rules engine's panel state,
 * built from stored readings): "day 3 06:00 · pit-1 2.31 m (fill 62 %) · pile-1 core 58.3 °C
 * (≥50 °C 1.9/7 d) · tanker-1 idle · 1 open alert".
 */
export function progressLine(rig: Rig): string {
  const now = rig.clock.now();
  const day = Math.floor((now - rig.start) / 86_400_000);
  const local = new Date(now + OFFSET_MS);
  const hhmm = `${String(local.getUTCHours()).padStart(2, "0")}:${String(local.getUTCMinutes()).padStart(2, "0")}`;
  const parts = [`day ${day} ${hhmm}`];
  const st = (rig.sink?.state() ?? {}) as PanelState;
  for (const s of st.stores ?? []) parts.push(`${s.id} ${f1(s.levelM, 2)} m (fill ${f1(s.fillPct, 0)} %)`);
  for (const p of st.piles ?? []) {
    const core = p.probes.filter((x) => x.position === "core" && x.valid && x.valueC !== null).map((x) => x.valueC as number);
    const h = p.harmlessness[0];
    const prog = h ? ` (≥${h.thresholdC} °C ${f1(h.heldDays)}/${h.requiredDays} d${h.met ? " ✓" : ""})` : "";
    parts.push(`${p.id} core ${core.length ? f1(Math.max(...core)) : "–"} °C${prog}`);
  }
  for (const t of st.tankers ?? []) {
    // What the tanker is doing is the simulation's truth (the engine only sees weights and
    // positions); the tonnes spread today are the gateway's ledger (engine tonnes).
    let what = "";
    try {
      const code = rig.sim.farm.quantity(t.id, "state");
      what = ["idle", "filling", "on the road", "spreading", "returning"][code] ?? "";
    } catch {
      what = t.state;
    }
    parts.push(`${t.id} ${what}, ${f1(t.today.unloadT)} t spread today`);
  }
  const open = st.alerts ?? [];
  parts.push(open.length === 0 ? "no open alert" : `${open.length} open alert${open.length > 1 ? "s" : ""} (${open.slice(0, 3).map((a) => `${a.rule} ${a.subject}`).join(", ")}${open.length > 3 ? ", …" : ""})`);
  return parts.join(" · ");
}
