import { API, ApiError } from "../api";
import { h } from "../dom";
import { dateTime, t } from "../i18n";
import { S, canAck, loadFacilities } from "../state";

const TYPES_BY_KIND: Record<string, string[]> = {
  pile: ["turning", "built", "released"],
  store: ["pump-out", "pump-out-planned", "inflow"],
  tanker: [],
};

/** Record an event (turning done, pump-out done or planned...) for the rules engine. */
export function recordView(root: HTMLElement, query: URLSearchParams): () => void {
  root.append(h("div", { class: "view-head" }, h("h1", null, t("record.title"))));
  if (!canAck()) {
    root.append(h("p", { class: "muted", "data-testid": "record-viewer" }, t("record.viewer")));
    return () => undefined;
  }
  const facilities = S.facilities.filter((f) => (TYPES_BY_KIND[f.kind] ?? []).length > 0);
  const fac = h("select", { id: "ev-facility", name: "facility" }, facilities.map((f) => h("option", { value: f.id }, f.name ?? f.id)));
  const want = query.get("facility");
  if (want && facilities.some((f) => f.id === want)) fac.value = want;
  const type = h("select", { id: "ev-type", name: "type" });
  const fillTypes = () => {
    const f = facilities.find((x) => x.id === fac.value);
    type.replaceChildren(...(TYPES_BY_KIND[f?.kind ?? ""] ?? []).map((k) => h("option", { value: k }, t(`event.${k}`))));
    const wantType = query.get("type");
    if (wantType && Array.from(type.options).some((o) => o.value === wantType)) type.value = wantType;
  };
  fac.addEventListener("change", fillTypes);
  fillTypes();
  const when = h("input", { id: "ev-time", type: "datetime-local" });
  const note = h("input", { id: "ev-note", maxlength: 2000, placeholder: t("record.notePlaceholder") });
  const msg = h("p", { role: "status", "data-testid": "record-result" });
  const btn = h("button", { type: "submit", class: "primary big" }, t("record.submit"));
  const form = h(
    "form",
    { class: "panel-box record", "data-testid": "record-form" },
    h("label", { for: "ev-facility" }, t("record.facility")), fac,
    h("label", { for: "ev-type" }, t("record.type")), type,
    h("label", { for: "ev-time" }, t("record.time")), when,
    h("label", { for: "ev-note" }, t("record.note")), note,
    btn, msg,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const ms = when.value ? new Date(when.value).getTime() : NaN;
    btn.disabled = true;
    msg.className = "";
    API.recordEvent({ facility: fac.value, type: type.value, t: Number.isFinite(ms) ? ms : undefined, note: note.value.trim() || undefined })
      .then((r) => {
        msg.className = "ok";
        msg.textContent = "queued" in r ? t("record.queued") : t("record.done", { type: t(`event.${type.value}`), t: dateTime(r.event.t) });
        note.value = "";
        void loadFacilities().catch(() => undefined);
      })
      .catch((e: unknown) => {
        msg.className = "error";
        msg.textContent = e instanceof ApiError && e.status === 403 ? t("record.forbidden") : t("error.generic", { reason: (e as Error).message });
      })
      .finally(() => (btn.disabled = false));
  });
  root.append(form);
  return () => undefined;
}
