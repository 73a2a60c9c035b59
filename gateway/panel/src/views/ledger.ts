import { API } from "../api";
import { h, replace } from "../dom";
import { dateTime, num, t } from "../i18n";
import { S, on } from "../state";
import type { LedgerAnswer, LedgerField } from "../types";

/**
 * Fields with applications (the API's totals) plus the registered fields nothing was applied
 * to yet in their current season (from the tankers' rules state), so every field shows its cap.
 */
export function allFields(api: LedgerField[]): LedgerField[] {
  const out = [...api];
  for (const f of S.facilities) {
    if (f.kind !== "tanker" || !f.state) continue;
    for (const x of f.state.fields) {
      if (out.some((y) => y.tanker === f.id && y.field === x.id && (y.season === x.season || x.season === null))) continue;
      out.push({ tanker: f.id, field: x.id, name: x.name, season: x.season, crop: x.crop, areaMu: x.areaMu, capTPerMu: x.capTPerMu, capT: Math.round(x.capTPerMu * x.areaMu * 1000) / 1000, tonnes: x.appliedT, loads: 0, overCap: x.tPerMu > x.capTPerMu });
    }
  }
  return out;
}

/** A ledger site (a pit id for loads, a field id for unloads) by its configured name. */
export function siteName(site: string | null): string {
  if (site === null) return t("ledger.noSite");
  for (const f of S.facilities) {
    if (f.id === site) return f.name ?? f.id;
    const fields = f.kind === "tanker" ? f.config.fields : [];
    const x = fields.find((y) => y.id === site);
    if (x) return x.name ?? x.id;
  }
  return site;
}

/** Tanker ledger: per-field totals against the subsidy cap (T4), entries, CSV export. */
export function ledgerView(root: HTMLElement): () => void {
  const body = h("div", { class: "ledger" }, h("p", { class: "muted" }, t("app.loading")));
  root.append(
    h("div", { class: "view-head" }, h("h1", null, t("ledger.title")), h("a", { class: "button", href: "/api/v1/ledger.csv", download: "ledger.csv", "data-testid": "ledger-csv" }, "⬇ ", t("ledger.csv"))),
    body,
  );
  let data: LedgerAnswer | null = null;
  const draw = () => {
    if (!data) return;
    const d = data;
    const fields = allFields(d.fields);
    replace(
      body,
      h(
        "div",
        { class: "metrics" },
        h("div", { class: "metric" }, h("div", { class: "metric-label" }, t("ledger.loaded")), h("div", { class: "metric-value" }, num(d.totals.loadedT, 2), h("span", { class: "unit" }, t("unit.t")))),
        h("div", { class: "metric" }, h("div", { class: "metric-label" }, t("ledger.applied")), h("div", { class: "metric-value" }, num(d.totals.appliedT, 2), h("span", { class: "unit" }, t("unit.t")))),
        h("div", { class: "metric" + (d.totals.unknownSiteT > 0 ? " bad" : "") }, h("div", { class: "metric-label" }, t("ledger.unknownSite")), h("div", { class: "metric-value" }, num(d.totals.unknownSiteT, 2), h("span", { class: "unit" }, t("unit.t")))),
      ),
      h("h2", null, t("ledger.fields")),
      fields.length === 0
        ? h("p", { class: "muted" }, t("ledger.noFields"))
        : h(
            "ul",
            { class: "fields", "data-testid": "ledger-fields" },
            fields.map((f) => {
              const pct = f.capT ? (100 * f.tonnes) / f.capT : null;
              return h(
                "li",
                { class: "field" + (f.overCap ? " over" : "") },
                h("div", { class: "field-head" }, h("b", null, f.name ?? f.field), " ", f.crop ? t(`crop.${f.crop}`) : "", f.season ? " · " + f.season : "", f.overCap ? h("span", { class: "sev sev-warn" }, "⚠ ", t("ledger.overCap")) : null),
                h("div", { class: "small" }, t("ledger.fieldLine", { tonnes: f.tonnes, cap: f.capT, loads: f.loads, area: f.areaMu, rate: f.capTPerMu })),
                h("div", { class: "bar" + (f.overCap ? " bar-bad" : "") }, h("div", { class: "bar-fill", style: `width:${Math.min(100, pct ?? 0)}%` })),
              );
            }),
          ),
      h("h2", null, t("ledger.entries")),
      d.entries.length === 0
        ? h("p", { class: "muted" }, t("ledger.noEntries"))
        : h(
            "table",
            { class: "table" },
            h("thead", null, h("tr", null, h("th", null, t("ledger.col.time")), h("th", null, t("ledger.col.kind")), h("th", null, t("ledger.col.site")), h("th", { class: "num" }, t("ledger.col.tonnes")))),
            h(
              "tbody",
              null,
              [...d.entries].reverse().slice(0, 200).map((e) => h("tr", null, h("td", null, dateTime(e.t)), h("td", null, t(`ledger.kind.${e.kind}`)), h("td", null, siteName(e.site)), h("td", { class: "num" }, num(e.tonnes, 2)))),
            ),
          ),
    );
  };
  const load = () =>
    API.ledger()
      .then((r) => {
        data = r;
        draw();
      })
      .catch((e: unknown) => replace(body, h("p", { class: "error" }, t("error.generic", { reason: (e as Error).message }))));
  void load();
  const offA = on(["lang", "facilities"], draw);
  const offB = on(["ledger"], () => void load());
  return () => {
    offA();
    offB();
  };
}
