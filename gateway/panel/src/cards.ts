import { severityBadge } from "./alert-text";
import { h, type Child } from "./dom";
import { num, t, ago } from "./i18n";
import { S, openCounts } from "./state";
import type { Facility, PileState, StoreState, TankerState } from "./types";

/** A labelled big number: readable at arm's length outdoors. */
export function metric(label: string, value: string, unit: string | null, cls = "", testid?: string): HTMLElement {
  return h("div", { class: "metric " + cls, "data-testid": testid }, h("div", { class: "metric-label" }, label), h("div", { class: "metric-value" }, value, unit && value !== "–" ? h("span", { class: "unit" }, unit) : null));
}

function bar(pct: number | null, cls = ""): HTMLElement {
  const p = pct === null ? 0 : Math.max(0, Math.min(100, pct));
  return h("div", { class: "bar " + cls, role: "presentation" }, h("div", { class: "bar-fill", style: `width:${p}%` }));
}

export function alertChips(facilityId: string | null): HTMLElement {
  const c = openCounts(facilityId);
  const total = c.critical + c.warn + c.info;
  if (total === 0) return h("div", { class: "chips", "data-testid": "alert-chips" }, h("span", { class: "chip chip-ok" }, "✓ ", t("overview.noOpenAlerts")));
  return h(
    "div",
    { class: "chips", "data-testid": "alert-chips" },
    (["critical", "warn", "info"] as const).filter((s) => c[s] > 0).map((s) => h("span", { class: "chip" }, severityBadge(s), " ", h("b", null, String(c[s])))),
  );
}

const PROOF_ICON = { ok: "✓", warn: "⚠", alert: "✖" } as const;

function proof(kind: "overflow" | "seepage" | "rain", v: "ok" | "warn" | "alert"): HTMLElement {
  return h("span", { class: `proof proof-${v}`, "data-testid": `proof-${kind}` }, h("span", { "aria-hidden": "true" }, PROOF_ICON[v]), " ", t(`store.proof.${kind}`), " ", t(`store.proofState.${v}`));
}

export function storeBody(f: Facility, st: StoreState | null): Child[] {
  if (!st) return [h("p", { class: "muted" }, t("facility.noState"))];
  const fbLow = st.freeboardM !== null && st.freeboardM < st.freeboardMinM;
  return [
    h(
      "div",
      { class: "metrics" },
      metric(t("store.fill"), num(st.fillPct, 1), "%", (st.fillPct ?? 0) >= 90 ? "bad" : "", "store-fill"),
      metric(t("store.freeboard"), num(st.freeboardM, 2), t("unit.m"), fbLow ? "bad" : "", "store-freeboard"),
      metric(t("store.daysToFull"), st.daysToFull === null ? "–" : num(st.daysToFull, 0), t("unit.days"), st.daysToFull !== null && st.daysToFull < 30 ? "warn" : "", "store-days"),
    ),
    bar(st.fillPct, (st.fillPct ?? 0) >= 90 ? "bar-bad" : ""),
    h("p", { class: "small" }, t("store.freeboardMin", { min: st.freeboardMinM })),
    h("div", { class: "proofs", "aria-label": t("store.threeProofing") }, h("span", { class: "proofs-title" }, t("store.threeProofing")), proof("overflow", st.threeProofing.overflow), proof("seepage", st.threeProofing.seepage), proof("rain", st.threeProofing.rain)),
  ];
}

export function maturityText(p: PileState): string {
  const m = p.maturity;
  if (p.released) return t("pile.maturity.released");
  if (!m.harmless) return t("pile.maturity.notHarmless");
  if (m.reheatedAfterLastTurn) return t("pile.maturity.reheated");
  if (m.coolDays >= m.requiredDays) return t("pile.maturity.candidate");
  return t("pile.maturity.cooling", { days: m.coolDays, required: m.requiredDays });
}

/** "pile-1/pt.ch3" → "ch3": enough to tell a pile's probes apart on a card. */
export function probeName(sensor: string): string {
  const key = sensor.slice(sensor.indexOf("/") + 1);
  return key.slice(key.lastIndexOf(".") + 1);
}

export function pileBody(f: Facility, p: PileState | null): Child[] {
  if (!p) return [h("p", { class: "muted" }, t("facility.noState"))];
  return [
    h("p", { class: "small" }, t("pile.presetLine", { preset: p.preset }), p.day !== null ? " · " + t("pile.day", { day: p.day }) : ""),
    h(
      "div",
      { class: "metrics" },
      p.probes.map((pr) => metric(t(`pile.position.${pr.position}`) + (p.probes.length > 1 ? " " + probeName(pr.sensor) : ""), num(pr.valueC, 1), t("unit.degC"), pr.valid ? ((pr.valueC ?? 0) > 65 ? "bad" : "") : "stale", `probe-${pr.sensor}`)),
    ),
    h(
      "div",
      { class: "progress-list", "data-testid": "pile-progress" },
      p.harmlessness.map((x) =>
        h(
          "div",
          { class: "progress" + (x.met !== null ? " met" : "") },
          h("div", { class: "progress-text" }, x.met !== null ? "✓ " : "", t("pile.progress", { threshold: x.thresholdC, held: x.heldDays, required: x.requiredDays }), x.minTurnings > 0 ? " · " + t("pile.turningsOf", { n: x.turnings, min: x.minTurnings }) : ""),
          bar((100 * x.heldDays) / x.requiredDays, x.met !== null ? "bar-ok" : ""),
        ),
      ),
    ),
    h("p", { class: "maturity", "data-testid": "pile-maturity" }, h("b", null, t("pile.maturity")), " ", maturityText(p)),
  ];
}

export function tankerBody(f: Facility, tk: TankerState | null): Child[] {
  if (!tk) return [h("p", { class: "muted" }, t("facility.noState"))];
  return [
    h("p", { class: `tanker-state tanker-${tk.state}`, "data-testid": "tanker-state" }, t(`tanker.state.${tk.state}`)),
    h(
      "div",
      { class: "metrics" },
      metric(t("tanker.load"), num(tk.loadT, 2), t("unit.t"), "", "tanker-load"),
      metric(t("tanker.todayLoaded"), num(tk.today.loadT, 2), t("unit.t"), "", "tanker-today-load"),
      metric(t("tanker.todayApplied"), num(tk.today.unloadT, 2), t("unit.t"), "", "tanker-today-unload"),
    ),
    bar(tk.loadT === null ? null : (100 * tk.loadT) / tk.capacityT),
    h("p", { class: "small" }, t("tanker.capacity", { t: tk.capacityT })),
  ];
}

export function facilityBody(f: Facility): Child[] {
  if (f.kind === "store") return storeBody(f, f.state);
  if (f.kind === "pile") return pileBody(f, f.state);
  return tankerBody(f, f.state);
}

export function lastReadingLine(f: Facility): HTMLElement {
  let last: number | null = null;
  for (const l of Object.values(f.latest)) if (l.t !== null && (last === null || l.t > last)) last = l.t;
  return h("p", { class: "small muted" }, last === null ? t("facility.noReadings") : t("facility.lastReading", { ago: ago((S.dataNow ?? last) - last) }));
}

export function card(f: Facility): HTMLElement {
  return h(
    "a",
    { class: `card card-${f.kind}`, href: `#/facility/${encodeURIComponent(f.id)}`, "data-testid": `card-${f.id}` },
    h("div", { class: "card-head" }, h("span", { class: "kind" }, t(`kind.${f.kind}`)), h("h2", null, f.name ?? f.id)),
    facilityBody(f),
    alertChips(f.id),
    lastReadingLine(f),
  );
}
