import { freeboardMin, type FacilitiesConfig } from "./config";

/**
 * L10 capacity audit (GB/T 26624-2011, V: V = Lw + Ro + P), run when the configuration loads.
 * Design volume (to the L1 freeboard minimum) must hold the inflow over the required storage
 * days, plus the rain over the storage period and the design storm on the open surface and
 * the catchment. A store that fails is a configuration error; one without a herd is not audited.
 */
export interface AuditResult {
  store: string;
  ok: boolean;
  rule: "L10";
  messageId: string;
  params: { designM3: number; requiredM3: number; inflowM3: number; rainM3: number; days: number };
}

export function capacityAudit(cfg: FacilitiesConfig): AuditResult[] {
  return cfg.stores.map((s) => {
    const designM3 = s.surfaceM2 * (s.depthToLipM - freeboardMin(s));
    const inflowM3 = s.herdPigEquivalents * s.inflowM3PerPeDay * s.requiredStorageDays;
    const wetArea = (s.covered ? 0 : s.surfaceM2) + s.catchmentM2;
    const rainM3 = (wetArea * (s.storagePeriodRainMm + s.designStormMm)) / 1000;
    const requiredM3 = inflowM3 + rainM3;
    const r1 = (x: number) => Math.round(x * 10) / 10;
    const params = { designM3: r1(designM3), requiredM3: r1(requiredM3), inflowM3: r1(inflowM3), rainM3: r1(rainM3), days: s.requiredStorageDays };
    if (s.herdPigEquivalents === 0) return { store: s.id, ok: true, rule: "L10", messageId: "rules.config.capacityNotAudited", params };
    const ok = designM3 >= requiredM3;
    return { store: s.id, ok, rule: "L10", messageId: ok ? "rules.config.capacityOk" : "rules.config.capacityShort", params };
  });
}

/** One line for logs and the CLI (the panel uses messageId + params). */
export function describeAudit(a: AuditResult): string {
  const p = a.params;
  if (a.messageId === "rules.config.capacityNotAudited") return `store ${a.store}: L10 capacity not audited (herdPigEquivalents is 0)`;
  const verdict = a.ok ? "ok" : "TOO SMALL";
  return `store ${a.store}: L10 capacity ${verdict}: design ${p.designM3} m³ (to the freeboard minimum) vs required ${p.requiredM3} m³ = inflow ${p.inflowM3} m³ over ${p.days} d + rain ${p.rainM3} m³`;
}
