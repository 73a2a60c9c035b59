import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { t, currentLang, dateTime, num } from "./i18n";

export interface Line {
  value: number;
  label: string;
  kind: "bad" | "warn" | "info";
}

export interface Marker {
  t: number;
  label: string;
}

export interface SeriesIn {
  label: string;
  points: [number, number | null][];
  /** Drawn as bars this wide (ms), each from its point's time (rain per hour or day), from 0. */
  bars?: number;
}

const COLOURS = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#134f5c", "#7f6000"];
const LINE_COLOURS = { bad: "#b00020", warn: "#b35c00", info: "#555" };

/**
 * Joins series sampled at different times on one time axis (uPlot wants aligned columns);
 * x in seconds as uPlot's time scale expects.
 */
export function align(series: SeriesIn[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const idx = new Map(xs.map((x, i) => [x, i]));
  const cols = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, y] of s.points) col[idx.get(x)!] = y;
    return col;
  });
  return [xs.map((x) => x / 1000), ...cols] as uPlot.AlignedData;
}

/** Text on a light box, legible over grid and curves. */
function label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, align: "left" | "right", px: number): void {
  const w = ctx.measureText(text).width;
  const h = 14 * px;
  const x0 = align === "right" ? x - w : x;
  ctx.save();
  ctx.fillStyle = "rgba(255,255,255,0.88)";
  ctx.fillRect(x0 - 2 * px, y - h + 2 * px, w + 4 * px, h);
  ctx.restore();
  ctx.textAlign = align;
  ctx.fillText(text, x, y);
  ctx.textAlign = "left";
}

/**
 * Threshold lines (horizontal, dashed, labelled at the right end) and event markers (vertical,
 * labelled at the foot of the plot, so the two kinds of label do not collide).
 */
function overlay(lines: Line[], markers: Marker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx;
        const { left, top, width, height } = u.bbox;
        const px = devicePixelRatio || 1;
        ctx.save();
        ctx.font = `${Math.round(12 * px)}px sans-serif`;
        for (const l of lines) {
          const y = u.valToPos(l.value, "y", true);
          if (y < top || y > top + height) continue;
          ctx.strokeStyle = LINE_COLOURS[l.kind];
          ctx.fillStyle = LINE_COLOURS[l.kind];
          ctx.setLineDash([6 * px, 4 * px]);
          ctx.lineWidth = 2 * px;
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
          label(ctx, l.label, left + width - 4 * px, y - 4 * px, "right", px);
        }
        ctx.setLineDash([]);
        for (const m of markers) {
          const x = u.valToPos(m.t / 1000, "x", true);
          if (x < left || x > left + width) continue;
          ctx.strokeStyle = "#222";
          ctx.fillStyle = "#222";
          ctx.lineWidth = 2 * px;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          const nearRight = x > left + width / 2;
          label(ctx, m.label, nearRight ? x - 4 * px : x + 4 * px, top + height - 6 * px, nearRight ? "right" : "left", px);
        }
        ctx.restore();
      },
    },
  };
}

/** A uPlot chart sized to its box; `lines` also widen the y range so thresholds stay visible. */
export function makeChart(box: HTMLElement, opts: { unit: string; series: SeriesIn[]; lines: Line[]; markers: Marker[]; from: number; to: number }): uPlot {
  const data = align(opts.series);
  const ys = opts.series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null));
  const all = [...ys, ...opts.lines.map((l) => l.value)];
  const bars = opts.series.some((s) => s.bars !== undefined);
  // Bars stand on 0 (an amount); lines get a margin on both sides.
  if (bars) all.push(0);
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  const pad = (hi - lo) * 0.08 || 1;
  if (!bars || lo < 0) lo -= pad;
  hi += pad;
  const width = Math.max(280, box.clientWidth || 320);
  const u = new uPlot(
    {
      width,
      height: Math.round(Math.min(320, Math.max(200, width * 0.55))),
      scales: { x: { time: true, min: opts.from / 1000, max: opts.to / 1000 }, y: { range: () => [lo, hi] } },
      series: [
        { label: t("chart.time"), value: (_u, v) => (v === null ? "–" : dateTime(v * 1000)) },
        ...opts.series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          spanGaps: s.bars === undefined,
          ...(s.bars === undefined ? {} : { fill: COLOURS[i % COLOURS.length] + "99", paths: barPaths(s.bars) }),
          value: (_u: uPlot, v: number | null) => (v === null ? "–" : num(v, 2) + " " + opts.unit),
        })),
      ],
      // Tick labels in the panel's language (uPlot's own are English month names and am/pm).
      axes: [{ values: (_u, splits) => splits.map((v) => tick(v * 1000, opts.to - opts.from)) }, { label: opts.unit, size: 56 }],
      legend: { show: true },
      plugins: [overlay(opts.lines, opts.markers)],
    },
    data,
    box,
  );
  return u;
}

/** Bars from each point's time to the end of its bin (uPlot's own bars are sized by point spacing, which a dry spell would widen). */
function barPaths(binMs: number): uPlot.Series.PathBuilder {
  return (u, seriesIdx, idx0, idx1) => {
    const xs = u.data[0];
    const ys = u.data[seriesIdx]!;
    const path = new Path2D();
    const y0 = u.valToPos(0, "y", true);
    for (let i = idx0; i <= idx1; i++) {
      const v = ys[i];
      if (v === null || v === undefined) continue;
      const x0 = u.valToPos(xs[i]!, "x", true);
      const x1 = u.valToPos(xs[i]! + binMs / 1000, "x", true);
      const y = u.valToPos(v, "y", true);
      // At least a pixel wide, with a gap between neighbours when there is room.
      const w = Math.max(1, x1 - x0 - (x1 - x0 > 4 ? 1 : 0));
      path.rect(x0, Math.min(y, y0), w, Math.abs(y0 - y));
    }
    return { stroke: path, fill: path };
  };
}

/** Time of day for spans up to two days, day and hour up to ten days, month and day beyond. */
function tick(ms: number, spanMs: number): string {
  const day = 86_400_000;
  const o: Intl.DateTimeFormatOptions =
    spanMs <= 2 * day ? { hour: "2-digit", minute: "2-digit", hour12: false } : spanMs <= 10 * day ? { month: "numeric", day: "numeric", hour: "2-digit", hour12: false } : { month: "numeric", day: "numeric" };
  return new Intl.DateTimeFormat(currentLang(), o).format(ms);
}

export function noDataText(): string {
  return t("chart.noData");
}
