import type uPlot from "uplot";
import { API } from "../api";
import { facilityBody, alertChips, lastReadingLine, probeName } from "../cards";
import { makeChart, noDataText, type Line, type Marker, type SeriesIn } from "../chart";
import { h, replace } from "../dom";
import { dateTime, t } from "../i18n";
import { levelFromSensor } from "../level";
import { rainBars, rainBin } from "../rain";
import type { RainGauge } from "../../../src/rules/storage/rain-counter";
import { S, canAck, facility, on } from "../state";
import type { EventRow, Facility, FeedLedger, Readings } from "../types";
import { alertRow, sortAlerts } from "./alerts";

const H = 3_600_000;
const D = 24 * H;
/** Span buttons; the API picks raw / minute / hourly rollups by span (openapi: res=auto). */
export const SPANS: [string, number][] = [
  ["6h", 6 * H],
  ["24h", D],
  ["7d", 7 * D],
  ["30d", 30 * D],
  ["90d", 90 * D],
  ["365d", 365 * D],
];

function pointsOf(r: Readings, map: (v: number) => number = (v) => v): [number, number | null][] {
  if (r.res === "raw") return r.points.map((p) => [p.t, p.value === null ? null : map(p.value)]);
  return r.points.map((p) => [p.t, map(p.avg)]);
}

interface ChartSpec {
  title: string;
  unit: string;
  sensors: { sensor: string; label: string; map?: (v: number) => number }[];
  lines: Line[];
  /** A rain gauge: charted as rain per hour or day (rain.ts), not as its counter. */
  rain?: RainGauge;
}

/** What to chart for each kind of facility, with its threshold lines from the configuration. */
function specs(f: Facility): ChartSpec[] {
  if (f.kind === "store") {
    const c = f.config;
    const lip = c.depthToLipM;
    const fbMin = f.state?.freeboardMinM ?? (c.type === "earth-lagoon" ? 0.75 : 0.3);
    const out: ChartSpec[] = [
      {
        title: t("chart.level"),
        unit: t("unit.m"),
        sensors: [{ sensor: c.levelSensor, label: t("chart.levelSeries"), map: (v) => levelFromSensor(v, c) }],
        lines: [
          { value: lip, label: t("chart.lip"), kind: "bad" },
          { value: lip - fbMin, label: t("chart.freeboardMin", { m: fbMin }), kind: "warn" },
        ],
      },
    ];
    if (typeof c.rainSensor === "string")
      out.push({ title: t("chart.rain"), unit: t("unit.mm"), sensors: [{ sensor: c.rainSensor, label: t("chart.rain") }], lines: [], rain: { rainCounter: c.rainCounter, rainMmPerCount: c.rainMmPerCount } });
    return out;
  }
  if (f.kind === "pile") {
    const c = f.config;
    const lines: Line[] = [];
    for (const x of f.state?.harmlessness ?? []) if (!lines.some((l) => l.value === x.thresholdC)) lines.push({ value: x.thresholdC, label: t("chart.harmlessLine", { c: x.thresholdC, days: x.requiredDays }), kind: "info" });
    lines.push({ value: c.thresholds.overheatC, label: t("chart.overheat", { c: c.thresholds.overheatC }), kind: "warn" });
    lines.push({ value: c.thresholds.severeOverheatC, label: t("chart.severeOverheat", { c: c.thresholds.severeOverheatC }), kind: "bad" });
    const sensors = c.probes.map((pr) => ({ sensor: pr.sensor, label: t(`pile.position.${pr.position}`) + " " + probeName(pr.sensor) }));
    if (typeof c.ambientSensor === "string") sensors.push({ sensor: c.ambientSensor, label: t("chart.ambient") });
    return [{ title: t("chart.temperature"), unit: t("unit.degC"), sensors, lines }];
  }
  const c = f.config;
  const kg = c.weightUnit !== "t";
  return [
    {
      title: t("chart.weight"),
      unit: t("unit.t"),
      sensors: [{ sensor: c.weightSensor, label: t("chart.weightSeries"), map: kg ? (v) => v / 1000 : undefined }],
      lines: [{ value: c.capacityT, label: t("chart.capacity", { t: c.capacityT }), kind: "warn" }],
    },
  ];
}

function markersOf(events: EventRow[], ledger: FeedLedger[]): Marker[] {
  return [
    ...events.map((e) => ({ t: e.t, label: t(`event.${e.type}`) })),
    ...ledger.map((l) => ({ t: l.t, label: t(`ledger.kind.${l.kind}`) })),
  ];
}

/** Facility page: state, charts over a chosen span with thresholds and events, alerts, events. */
export function facilityView(root: HTMLElement, id: string, query: URLSearchParams): () => void {
  const spanKey = SPANS.some(([k]) => k === query.get("span")) ? (query.get("span") as string) : "24h";
  const spanMs = SPANS.find(([k]) => k === spanKey)![1];
  const head = h("div", { class: "view-head" });
  const state = h("section", { class: "card card-wide" });
  const spans = h(
    "nav",
    { class: "spans", "aria-label": t("chart.span") },
    SPANS.map(([k]) => h("a", { class: "tab" + (k === spanKey ? " on" : ""), href: `#/facility/${encodeURIComponent(id)}?span=${k}`, "data-testid": `span-${k}` }, t(`span.${k}`))),
  );
  const charts = h("div", { class: "charts", "data-testid": "charts" });
  const alerts = h("ul", { class: "alerts" });
  const eventsBox = h("div");
  root.append(head, state, h("h2", null, t("facility.charts")), spans, charts, h("h2", null, t("facility.alerts")), alerts, h("h2", null, t("facility.events")), eventsBox);

  let events: EventRow[] = [];
  let ledger: FeedLedger[] = [];
  let plots: uPlot[] = [];
  let gen = 0;

  const drawState = () => {
    const f = facility(id);
    if (!f) {
      replace(head, h("h1", null, t("facility.notFound", { id })));
      return;
    }
    replace(
      head,
      h("a", { class: "link back", href: "#/" }, "← ", t("nav.overview")),
      h("h1", null, h("span", { class: "kind" }, t(`kind.${f.kind}`)), " ", f.name ?? f.id),
      canAck() && f.kind !== "tanker" ? h("a", { class: "button", href: `#/record?facility=${encodeURIComponent(f.id)}`, "data-testid": "record-link" }, t("record.title")) : null,
    );
    replace(state, facilityBody(f), alertChips(f.id), lastReadingLine(f));
    const list = sortAlerts([...S.alerts.values()].filter((a) => a.facility === id));
    replace(alerts, list.length ? list.map((a) => alertRow(a)) : h("li", { class: "muted empty" }, t("alerts.none")));
  };

  const drawEvents = () => {
    const rows = [...events].sort((a, b) => b.t - a.t).slice(0, 50);
    replace(eventsBox, rows.length === 0 ? h("p", { class: "muted" }, t("facility.noEvents")) : h("ul", { class: "events" }, rows.map((e) => h("li", null, h("b", null, dateTime(e.t)), " ", t(`event.${e.type}`), " · ", t(`source.${e.source}`), e.by ? " · " + e.by : ""))));
  };

  const drawCharts = async () => {
    const my = ++gen;
    const f = facility(id);
    if (!f) return;
    const to = (S.dataNow ?? Date.now()) + 60_000;
    const from = to - spanMs;
    const sp = specs(f);
    const answers = await Promise.all(sp.map((s) => Promise.all(s.sensors.map((x) => API.readings(x.sensor, from, to).catch(() => null)))));
    if (my !== gen) return;
    for (const p of plots) p.destroy();
    plots = [];
    const boxes: HTMLElement[] = [];
    const markers = markersOf(events, ledger);
    sp.forEach((s, i) => {
      const bin = rainBin(spanMs);
      // The farm's local days (the browser's zone: the panel's clock and axis use it too).
      const offMin = -new Date(to).getTimezoneOffset();
      const series: SeriesIn[] = s.sensors.map((x, j) => {
        const a = answers[i]![j];
        if (s.rain) return { label: t(bin === H ? "chart.rainPerHour" : "chart.rainPerDay"), points: a ? rainBars(a, s.rain, bin, offMin) : [], bars: bin };
        return { label: x.label, points: a ? pointsOf(a, x.map) : [] };
      });
      const box = h("div", { class: "chart", "data-testid": "chart" });
      const res = answers[i]!.find((a) => a)?.res;
      const sub = s.rain ? t(bin === H ? "res.rainHour" : "res.rainDay") : res ? t(`res.${res}`) : null;
      boxes.push(h("section", { class: "chart-box" }, h("h3", null, s.title, sub ? h("span", { class: "small muted" }, " · ", sub) : null), box));
      if (series.every((x) => x.points.length === 0)) box.append(h("p", { class: "muted" }, noDataText()));
      else {
        (box as HTMLElement & { spec?: unknown }).spec = { unit: s.unit, series, lines: s.lines, markers, from, to };
        // What the canvas shows, readable by tests and assistive tools.
        box.dataset.lines = String(s.lines.length);
        box.dataset.markers = String(markers.filter((m) => m.t >= from && m.t <= to).length);
        box.setAttribute("aria-label", s.title);
        if (s.rain) box.dataset.total = String(Math.round(series[0]!.points.reduce((a, p) => a + (p[1] ?? 0), 0) * 1000) / 1000);
      }
    });
    replace(charts, boxes);
    for (const b of Array.from(charts.querySelectorAll<HTMLElement & { spec?: Parameters<typeof makeChart>[1] }>(".chart"))) if (b.spec) plots.push(makeChart(b, b.spec));
  };

  const loadDetail = () =>
    Promise.all([API.facility(id), API.ledger().catch(() => null)])
      .then(([d, l]) => {
        events = d.events;
        ledger = (l?.entries ?? []).filter((e) => e.facility === id || e.site === id);
        drawEvents();
        void drawCharts();
      })
      .catch(() => undefined);

  drawState();
  void loadDetail();
  let chartTimer: number | null = null;
  const offs = [
    on(["facilities", "alerts", "readings", "me"], drawState),
    on(["lang"], () => {
      drawState();
      drawEvents();
      void drawCharts();
    }),
    on(["readings"], () => {
      // Short spans follow the live readings (redrawn at most every 5 s).
      if (spanMs > D || chartTimer !== null) return;
      chartTimer = window.setTimeout(() => ((chartTimer = null), void drawCharts()), 5000);
    }),
    on(["ledger"], () => void loadDetail()),
  ];
  const onResize = () => void drawCharts();
  window.addEventListener("resize", onResize);
  return () => {
    for (const o of offs) o();
    window.removeEventListener("resize", onResize);
    if (chartTimer !== null) window.clearTimeout(chartTimer);
    for (const p of plots) p.destroy();
    gen++;
  };
}
