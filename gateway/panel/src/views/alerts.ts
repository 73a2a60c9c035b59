import { API, ApiError } from "../api";
import { alertText, severityBadge, stateText, subjectText } from "../alert-text";
import { h, replace } from "../dom";
import { dateTime, t } from "../i18n";
import { S, canAck, emit, on } from "../state";
import type { Alert } from "../types";

const RANK = { critical: 0, warn: 1, info: 2 } as const;
/** Notes being typed, and the last refusal, survive live redraws. */
const drafts = new Map<number, string>();
const errors = new Map<number, string>();

export function sortAlerts(list: Alert[]): Alert[] {
  return list.sort((a, b) => (a.state === "cleared" ? 1 : 0) - (b.state === "cleared" ? 1 : 0) || RANK[a.severity] - RANK[b.severity] || b.updatedT - a.updatedT);
}

/** One alert row: severity (colour + icon + word), text, subject, times, ack form or ack note. */
export function alertRow(a: Alert, opts: { ack: boolean; historyLink?: boolean } = { ack: true }): HTMLElement {
  const rows: HTMLElement[] = [
    h("div", { class: "alert-top" }, severityBadge(a.severity), h("span", { class: `state state-${a.state}`, "data-testid": "alert-state" }, stateText(a.state)), h("span", { class: "rule" }, a.rule)),
    h("p", { class: "alert-text", "data-testid": "alert-text" }, alertText(a)),
    h("p", { class: "small" }, subjectText(a), " · ", t("alert.raisedAt", { t: dateTime(a.raisedT) }), a.clearedT !== null ? " · " + t("alert.clearedAt", { t: dateTime(a.clearedT) }) : ""),
  ];
  if (a.state === "acknowledged" || a.ackNote) rows.push(h("p", { class: "ack-note", "data-testid": "ack-note" }, t("alert.ackBy", { by: a.ackBy ?? "–", t: dateTime(a.ackT) }), " ", h("q", null, a.ackNote ?? "")));
  if (opts.ack && a.state === "raised") rows.push(canAck() ? ackForm(a) : h("p", { class: "small muted", "data-testid": "no-ack" }, t("alert.viewerCannotAck")));
  if (opts.historyLink !== false) rows.push(h("a", { class: "link", href: `#/alerts/${a.id}` }, t("alert.history")));
  return h("li", { class: `alert alert-${a.severity} alert-${a.state}`, "data-testid": `alert-${a.id}`, "data-rule": a.rule }, rows);
}

function ackForm(a: Alert): HTMLElement {
  const id = `note-${a.id}`;
  const note = h("input", { id, class: "note", placeholder: t("alert.notePlaceholder"), maxlength: 2000, value: drafts.get(a.id) ?? "", "data-testid": "ack-note-input" });
  note.addEventListener("input", () => drafts.set(a.id, note.value));
  const err = h("p", { class: "error", role: "alert" }, errors.get(a.id) ?? "");
  const say = (msg: string) => {
    errors.set(a.id, msg);
    err.textContent = msg;
  };
  const btn = h("button", { type: "submit", class: "primary", "data-testid": "ack-button" }, t("alert.ack"));
  const form = h("form", { class: "ack-form" }, h("label", { for: id, class: "sr-only" }, t("alert.note")), note, btn, err);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = note.value.trim();
    if (!text) {
      say(t("alert.noteRequired"));
      note.focus();
      return;
    }
    btn.disabled = true;
    API.ack(a.id, text)
      .then((r) => {
        drafts.delete(a.id);
        errors.delete(a.id);
        // null only if the alert vanished meanwhile (the server reads it back after the commit).
        if (r.alert) S.alerts.set(r.alert.id, r.alert);
        emit("alerts");
      })
      .catch((e: unknown) => {
        btn.disabled = false;
        const st = e instanceof ApiError ? e.status : 0;
        say(st === 403 ? t("alert.forbidden") : st === 409 ? t("alert.notRaised") : t("error.generic", { reason: (e as Error).message }));
      });
  });
  return form;
}

/** Redraws `list` keeping focus and caret in a note being typed. */
function redrawKeepingFocus(list: HTMLElement, items: HTMLElement[]): void {
  const active = document.activeElement as HTMLInputElement | null;
  const focusId = active && active.id && list.contains(active) ? active.id : null;
  const caret = focusId ? active!.selectionStart : null;
  replace(list, items);
  if (focusId) {
    const el = document.getElementById(focusId) as HTMLInputElement | null;
    if (el) {
      el.focus();
      if (caret !== null) el.setSelectionRange(caret, caret);
    }
  }
}

export function alertsView(root: HTMLElement, query: URLSearchParams): () => void {
  const showAll = query.get("all") === "1";
  let history: Alert[] | null = null;
  const head = h(
    "div",
    { class: "view-head" },
    h("h1", null, t(showAll ? "alerts.historyTitle" : "alerts.title")),
    h("div", { class: "tabs" }, h("a", { class: "tab" + (showAll ? "" : " on"), href: "#/alerts" }, t("alerts.open")), h("a", { class: "tab" + (showAll ? " on" : ""), href: "#/alerts?all=1", "data-testid": "alerts-all" }, t("alerts.all"))),
  );
  const list = h("ul", { class: "alerts", "data-testid": "alert-list" });
  root.append(head, list);
  const draw = () => {
    const src = showAll && history ? mergeHistory(history) : [...S.alerts.values()];
    const items = sortAlerts(src).map((a) => alertRow(a));
    if (items.length === 0) redrawKeepingFocus(list, [h("li", { class: "muted empty" }, t(showAll ? "alerts.noneEver" : "alerts.none"))]);
    else redrawKeepingFocus(list, items);
  };
  if (showAll)
    API.alerts("all", 500)
      .then((r) => {
        history = r.alerts;
        draw();
      })
      .catch(() => undefined);
  draw();
  return on(["alerts", "lang", "me", "facilities"], draw);
}

/** History list with the live map's newer states laid over it. */
function mergeHistory(history: Alert[]): Alert[] {
  const m = new Map(history.map((a) => [a.id, a]));
  for (const a of S.alerts.values()) m.set(a.id, a);
  return [...m.values()];
}

/** One alert and its transitions (raised → acknowledged → cleared), oldest first. */
export function alertDetailView(root: HTMLElement, idText: string): () => void {
  const id = Number(idText);
  const box = h("div", { class: "alert-detail" }, h("p", { class: "muted" }, t("app.loading")));
  root.append(h("div", { class: "view-head" }, h("h1", null, t("alerts.detailTitle", { id }))), box);
  let data: Awaited<ReturnType<typeof API.alert>> | null = null;
  const draw = () => {
    if (!data) return;
    const live = S.alerts.get(id);
    const a = live && live.updatedT >= data.alert.updatedT ? live : data.alert;
    replace(
      box,
      h("ul", { class: "alerts" }, alertRow(a, { ack: true, historyLink: false })),
      h("h2", null, t("alerts.transitions")),
      h(
        "ol",
        { class: "timeline", "data-testid": "transitions" },
        data.transitions.map((x) => h("li", null, h("b", null, dateTime(x.t)), " ", x.from ? stateText(x.from) + " → " : "", stateText(x.to), " · ", t(`severity.${x.severity}`), x.by ? " · " + x.by : "", x.note ? [" · ", h("q", null, x.note)] : "")),
      ),
    );
  };
  const load = () =>
    API.alert(id)
      .then((r) => {
        data = r;
        if (r.alert.state !== "cleared" && !S.alerts.has(id)) S.alerts.set(id, r.alert);
        draw();
      })
      .catch((e: unknown) => replace(box, h("p", { class: "error" }, e instanceof ApiError && e.status === 404 ? t("alerts.notFound") : t("error.generic", { reason: (e as Error).message }))));
  void load();
  const off = on(["alerts", "lang", "me"], () => {
    draw();
    void load();
  });
  return off;
}

