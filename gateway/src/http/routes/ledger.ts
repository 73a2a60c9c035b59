import type { RouteDeps } from "../host";
import { rangeParams } from "../params";
import { ledgerWithData, type LedgerRow } from "../queries/ledger";
import type { Route } from "../router";
import { csvLine } from "../csv";
import type { FacilitiesConfig } from "../../rules/config";

const DAY = 86_400_000;
/** Default subsidy caps, t/mu per season (one county's plan: paddy 2, dry land 3; docs/rules.md T4). */
const DEFAULT_CAP: Record<string, number> = { paddy: 2, dry: 3 };

export interface FieldTotal {
  tanker: string;
  field: string;
  name: string | null;
  season: string | null;
  crop: string | null;
  areaMu: number | null;
  capTPerMu: number | null;
  capT: number | null;
  tonnes: number;
  loads: number;
  overCap: boolean;
}

/** Tonnes loaded, applied on known fields, and unloaded away from every known site. */
export interface LedgerTotals {
  loadedT: number;
  appliedT: number;
  unknownSiteT: number;
}

/** GET /api/v1/ledger: the entries of [from, to), oldest first, and their totals per field. */
export interface LedgerAnswer {
  from: number;
  to: number;
  entries: LedgerRow[];
  fields: FieldTotal[];
  totals: LedgerTotals;
}

/** Tonnes applied per (tanker, field, season) against the field's cap. */
export function fieldTotals(entries: LedgerRow[], cfg: FacilitiesConfig | null): { fields: FieldTotal[]; totals: LedgerTotals } {
  const map = new Map<string, FieldTotal>();
  let loadedT = 0;
  let appliedT = 0;
  let unknownSiteT = 0;
  for (const e of entries) {
    if (e.kind === "load") {
      loadedT += e.tonnes;
      continue;
    }
    if (e.kind !== "unload") continue;
    if (e.site === null) {
      unknownSiteT += e.tonnes;
      continue;
    }
    appliedT += e.tonnes;
    const season = (e.data as { season?: string | null } | null)?.season ?? null;
    const tanker = e.facility ?? "";
    const k = `${tanker}\0${e.site}\0${season ?? ""}`;
    let f = map.get(k);
    if (!f) {
      const fc = cfg?.tankers.find((t) => t.id === tanker)?.fields.find((x) => x.id === e.site);
      const cap = fc ? (fc.capTPerMu ?? DEFAULT_CAP[fc.crop] ?? null) : null;
      f = {
        tanker, field: e.site, name: fc?.name ?? null, season, crop: fc?.crop ?? null, areaMu: fc?.areaMu ?? null,
        capTPerMu: cap, capT: cap !== null && fc ? round3(cap * fc.areaMu) : null, tonnes: 0, loads: 0, overCap: false,
      };
      map.set(k, f);
    }
    f.tonnes = round3(f.tonnes + e.tonnes);
    f.loads++;
    f.overCap = f.capT !== null && f.tonnes > f.capT;
  }
  return { fields: [...map.values()], totals: { loadedT: round3(loadedT), appliedT: round3(appliedT), unknownSiteT: round3(unknownSiteT) } };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function ledgerRoutes(d: RouteDeps): Route[] {
  const range = (url: URL) => {
    const now = d.clock.now();
    return rangeParams(url, now - 365 * DAY, now + DAY);
  };
  return [
    {
      method: "GET",
      path: "/api/v1/ledger",
      access: "read",
      handler: (ctx) => {
        const { from, to } = range(ctx.url);
        const entries = ledgerWithData(d.host.store.db, from, to);
        return { json: { from, to, entries, ...fieldTotals(entries, d.facilitiesConfig) } satisfies LedgerAnswer };
      },
    },
    {
      method: "GET",
      path: "/api/v1/ledger.csv",
      access: "read",
      handler: (ctx) => {
        const { from, to } = range(ctx.url);
        const entries = ledgerWithData(d.host.store.db, from, to);
        // UTF-8 BOM: spreadsheet programs used on farms open Chinese text correctly with it.
        let text = "\uFEFF" + csvLine(["seq", "id", "t_iso", "t_ms", "kind", "tanker", "site", "tonnes", "lat", "lon", "season"]);
        for (const e of entries) {
          const season = (e.data as { season?: string | null } | null)?.season ?? null;
          text += csvLine([e.seq, e.id, new Date(e.t).toISOString(), e.t, e.kind, e.facility, e.site, e.tonnes, e.lat, e.lon, season]);
        }
        return { text, type: "text/csv; charset=utf-8", headers: { "content-disposition": `attachment; filename="ledger-${from}-${to}.csv"` } };
      },
    },
  ];
}
