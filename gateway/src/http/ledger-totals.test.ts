import { describe, expect, it } from "vitest";
import { parseFacilities } from "../rules/config";
import { fieldTotals } from "./routes/ledger";
import type { LedgerRow } from "./queries/ledger";

const cfg = parseFacilities({
  tankers: [
    {
      id: "tk1", weightSensor: "tk-1/scale.w", capacityT: 10,
      fields: [
        { id: "paddy-a", name: "东稻田", areaMu: 4, crop: "paddy", centre: [41.6, 120.7], radiusM: 200 },
        { id: "dry-b", areaMu: 10, crop: "dry", capTPerMu: 2.5, centre: [41.7, 120.8], radiusM: 300 },
      ],
    },
  ],
});

let seq = 0;
const row = (kind: string, site: string | null, tonnes: number, season: string | null = "2026-spring"): LedgerRow => ({
  type: "ledger", seq: ++seq, id: seq, t: 1_000 * seq, kind, facility: "tk1", site, tonnes, lat: null, lon: null, data: { season },
});

describe("ledger field totals", () => {
  it("sums tonnes per (tanker, field, season) against the field's cap (default paddy 2 t/mu, dry 3 t/mu)", () => {
    const r = fieldTotals([
      row("load", "pit1", 8), row("unload", "paddy-a", 4.5), row("load", "pit1", 8), row("unload", "paddy-a", 4),
      row("unload", "dry-b", 7.9), row("unload", null, 3), row("unload", "paddy-a", 1, "2026-autumn"), row("unload", "nowhere", 2),
    ], cfg);
    expect(r.totals).toEqual({ loadedT: 16, appliedT: 19.4, unknownSiteT: 3 });
    const by = (f: string, s: string) => r.fields.find((x) => x.field === f && x.season === s)!;
    expect(by("paddy-a", "2026-spring")).toEqual({ tanker: "tk1", field: "paddy-a", name: "东稻田", season: "2026-spring", crop: "paddy", areaMu: 4, capTPerMu: 2, capT: 8, tonnes: 8.5, loads: 2, overCap: true });
    expect(by("paddy-a", "2026-autumn")).toMatchObject({ tonnes: 1, overCap: false });
    expect(by("dry-b", "2026-spring")).toMatchObject({ capTPerMu: 2.5, capT: 25, tonnes: 7.9, overCap: false });
    // A site the configuration does not know: counted, no cap to compare with.
    expect(by("nowhere", "2026-spring")).toMatchObject({ capT: null, overCap: false, tonnes: 2 });
  });
});
