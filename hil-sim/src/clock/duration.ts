/**
 * ISO 8601 durations (ISO 8601-1:2019 §5.5.2.4, the "PnYnMnDTnHnMnS" form and "PnW"), as
 * used in scenario files: "P3D", "PT6H", "P1DT12H", "PT0.5S". Years and months have no fixed
 * length, so they are refused rather than guessed: scenarios use days.
 */

const DURATION =
  /^(-)?P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

const MS = { W: 7 * 86_400_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1000 };

export class DurationError extends Error {
  constructor(readonly input: unknown, reason: string) {
    super(`invalid ISO 8601 duration ${JSON.stringify(input)}: ${reason}`);
    this.name = "DurationError";
  }
}

/** Parses an ISO 8601 duration to milliseconds; throws DurationError naming the input. */
export function parseDuration(text: string): number {
  if (typeof text !== "string") throw new DurationError(text, "not a string");
  if (/^-?P\d+(?:[.,]\d+)?[YM]|^-?P(?:[^T]*)\d[YM]/.test(text))
    throw new DurationError(text, "years and months have no fixed length; use days");
  const m = DURATION.exec(text);
  if (!m || text === "P" || text.endsWith("T"))
    throw new DurationError(text, "expected a form like P3D, PT6H, P1DT12H30M");
  if (m.slice(2).every((g) => g === undefined)) throw new DurationError(text, "no components");
  const num = (g: string | undefined) => (g === undefined ? 0 : Number(g.replace(",", ".")));
  const ms =
    num(m[2]) * MS.W + num(m[3]) * MS.D + num(m[4]) * MS.H + num(m[5]) * MS.M + num(m[6]) * MS.S;
  return Math.round(m[1] ? -ms : ms);
}

/** Formats milliseconds as a compact ISO 8601 duration ("P1DT6H", "PT0S"). */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(Math.round(ms));
  const d = Math.floor(rest / MS.D);
  rest -= d * MS.D;
  const h = Math.floor(rest / MS.H);
  rest -= h * MS.H;
  const min = Math.floor(rest / MS.M);
  rest -= min * MS.M;
  const s = rest / 1000;
  let out = sign + "P" + (d ? `${d}D` : "");
  if (h || min || s || !d) out += "T" + (h ? `${h}H` : "") + (min ? `${min}M` : "") + (s || (!h && !min) ? `${s}S` : "");
  return out;
}
