import type { TankerConfig } from "../config";
import type { Ctx } from "../context";
import { capOf, seasonAt } from "./fields";
import type { TankerState } from "./state";

/**
 * T4 application rate (V, one county's plan): tonnes per mu per field per crop season against
 * the subsidy cap (paddy 2 t/mu, dry land 3 t/mu; the same season is paid once). Several
 * tankers may serve one field: totals are kept per tanker here and summed by the engine.
 */
export function addApplication(st: TankerState, cfg: TankerConfig, fieldId: string, t: number, tonnes: number, utcOffsetMin: number): string | null {
  const f = cfg.fields.find((x) => x.id === fieldId);
  if (f === undefined) return null;
  const season = seasonAt(f, t, utcOffsetMin).name;
  const k = `${fieldId}|${season}`;
  st.totals[k] = (st.totals[k] ?? 0) + tonnes;
  return season;
}

export function applicationRate(ctx: Ctx, cfg: TankerConfig, totals: Record<string, number>, t: number, utcOffsetMin: number): void {
  for (const f of cfg.fields) {
    const cur = seasonAt(f, t, utcOffsetMin);
    for (const k of Object.keys(totals)) {
      const [fid, season] = k.split("|") as [string, string];
      if (fid !== f.id) continue;
      const subject = `field:${fid}:${season}`;
      const rate = (totals[k] ?? 0) / f.areaMu;
      const cap = capOf(f);
      if (season !== cur.name) {
        ctx.alert(t, "T4", subject, cfg.id, { s: "off" });
        continue;
      }
      ctx.alert(t, "T4", subject, cfg.id, rate > cap
        ? { s: "on", severity: "warn", messageId: "rules.tanker.applicationRate",
            params: { field: fid, season, tPerMu: Math.round(rate * 100) / 100, capTPerMu: cap, crop: f.crop }, value: rate }
        : { s: "off" });
    }
  }
}
