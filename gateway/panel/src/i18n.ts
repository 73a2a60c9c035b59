import zh from "../i18n/zh-CN.json";
import en from "../i18n/en.json";

/**
 * The message catalogue. Every user-visible string comes from here (gateway/panel/i18n/*.json,
 * same keys in each language: test/browser/catalogue.test.ts checks it). Placeholders are
 * `{name}`; numbers in params are formatted for the language.
 */
export type Lang = "zh-CN" | "en";
export const LANGS: Lang[] = ["zh-CN", "en"];
const CATALOGUES: Record<Lang, Record<string, string>> = { "zh-CN": zh, en };
const STORAGE_KEY = "manure-edge.lang";

export type Params = Record<string, unknown>;

let lang: Lang = readStored();
const listeners = new Set<() => void>();

function readStored(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === "en" || v === "zh-CN") return v;
  } catch {
    /* storage disabled: default language */
  }
  return "zh-CN";
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  if (l === lang) return;
  lang = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* not persisted, still switched */
  }
  document.documentElement.lang = l;
  for (const f of [...listeners]) f();
}

export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function has(key: string): boolean {
  return Object.prototype.hasOwnProperty.call(CATALOGUES[lang], key);
}

/** The text for `key` with `{name}` placeholders filled; an unknown key shows itself (tests catch it). */
export function t(key: string, params?: Params): string {
  const s = CATALOGUES[lang][key] ?? key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? fmtParam(params[name]) : m));
}

function fmtParam(v: unknown): string {
  if (typeof v === "number") return num(v);
  if (v === null || v === undefined) return "–";
  return String(v);
}

const nfCache = new Map<string, Intl.NumberFormat>();

/** A number for display: at most `digits` decimals, grouped as the language groups. */
export function num(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const k = lang + digits;
  let f = nfCache.get(k);
  if (!f) {
    f = new Intl.NumberFormat(lang, { maximumFractionDigits: digits });
    nfCache.set(k, f);
  }
  return f.format(v);
}

/** Date and time (local), short. */
export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return new Intl.DateTimeFormat(lang, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).format(ms);
}

export function timeOnly(ms: number): string {
  return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(ms);
}

/** "5 min ago" style, from a duration in ms. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return t("time.agoSeconds", { n: s });
  const m = Math.round(s / 60);
  if (m < 90) return t("time.agoMinutes", { n: m });
  const h = Math.round(m / 60);
  if (h < 36) return t("time.agoHours", { n: h });
  return t("time.agoDays", { n: Math.round(h / 24) });
}
