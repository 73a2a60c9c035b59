import { h } from "./dom";
import { dateTime, has, t } from "./i18n";
import { facility } from "./state";
import type { Alert, Params, Severity } from "./types";

/** Severity is shown by colour AND icon AND word (colour-blind users, sunlight on a phone). */
const ICON: Record<Severity, string> = { critical: "✖", warn: "⚠", info: "ℹ" };

export function severityBadge(s: Severity): HTMLElement {
  return h("span", { class: `sev sev-${s}` }, h("span", { class: "sev-icon", "aria-hidden": "true" }, ICON[s]), " ", t(`severity.${s}`));
}

/**
 * An alert's or transition's params. `data.params` is what answers carried before the API gave
 * `params` (gateway f8deadd); no gateway sends it now, but test/browser/panel-logic.test.ts
 * still renders such answers: drop this fallback together with those cases.
 */
export function alertParams(a: { params?: Params | null; data?: { params?: Params } | null }): Params | null {
  return a.params ?? a.data?.params ?? null;
}

/**
 * The alert's text from the rules engine's message id and params (gateway/src/rules: the
 * `messageId` of each transition). With params: the full sentence; without (an alert whose
 * transitions carry none): the short form of the same message; unknown ids: the rule id.
 */
export function alertText(a: { rule: string; message: string | null; params?: Params | null; data?: { params?: Params } | null }): string {
  const id = a.message;
  const params = alertParams(a);
  if (id && params && has(`msg.${id}`)) return t(`msg.${id}`, withUnits(params));
  if (id && has(`msg.${id}.short`)) return t(`msg.${id}.short`);
  return t("alert.ruleOnly", { rule: a.rule });
}

/** Times in params (epoch ms) become dates; everything else stays as is. */
function withUnits(p: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(p)) out[k] = (k === "plannedEmptying" || k === "turnedAt" || k === "lastSeen") && typeof v === "number" ? dateTime(v) : v;
  return out;
}

/** "store:pit-1" → the facility's name; "sensor:pit-1/lvl.distance" → the sensor key. */
export function subjectText(a: Pick<Alert, "subject" | "facility">): string {
  const [kind, ...rest] = a.subject.split(":");
  const id = rest.join(":");
  if (kind === "store" || kind === "pile" || kind === "tanker") return facility(id)?.name ?? id;
  if (kind === "sensor") return t("alert.subjectSensor", { sensor: id });
  if (kind === "field") return t("alert.subjectField", { field: rest[0] ?? id, season: rest[1] ?? "" });
  return a.subject;
}

export function stateText(s: Alert["state"]): string {
  return t(`alertState.${s}`);
}
