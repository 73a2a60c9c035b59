import { API, ApiError } from "../api";
import { h } from "../dom";
import { dateTime, t } from "../i18n";
import { canAck } from "../state";
import type { CommandRow } from "../types";

/**
 * A node's commands on the nodes view: ping and resend buttons for operators and admins (the
 * API refuses viewers; config and reboot are admin tools, not offered here), and the latest
 * commands with their state. Results come from the node later: the view polls while any
 * command is still waiting (commandsWaiting).
 */
const cache = new Map<string, CommandRow[]>();
const errors = new Map<string, string>();
const busy = new Set<string>();

const OPS = ["ping", "resend"] as const;

export function loadCommands(node: string, redraw: () => void): Promise<void> {
  return API.nodeCommands(node, 5)
    .then((r) => {
      cache.set(node, r.commands);
      redraw();
    })
    .catch(() => undefined);
}

/** Nodes with a command still queued or sent (the view polls them). */
export function commandsWaiting(): string[] {
  return [...cache].filter(([, cs]) => cs.some((c) => c.state === "queued" || c.state === "sent")).map(([n]) => n);
}

function send(node: string, op: (typeof OPS)[number], redraw: () => void): void {
  busy.add(node);
  errors.delete(node);
  redraw();
  API.sendCommand(node, op)
    .then((r) => {
      cache.set(node, [r.command, ...(cache.get(node) ?? []).filter((c) => c.id !== r.command.id)].slice(0, 5));
    })
    .catch((e: unknown) => {
      const st = e instanceof ApiError ? e.status : 0;
      errors.set(node, st === 403 ? t("cmd.forbidden") : st === 400 || st === 404 || st === 429 ? t("cmd.refused", { reason: (e as ApiError).reason }) : t("error.generic", { reason: (e as Error).message }));
    })
    .finally(() => {
      busy.delete(node);
      redraw();
    });
}

function stateClass(c: CommandRow): string {
  return c.state === "ok" ? "sev-ok" : c.state === "failed" || c.state === "expired" ? "sev-critical" : "sev-info";
}

export function commandsBlock(node: string, redraw: () => void): HTMLElement {
  const list = cache.get(node);
  const buttons = canAck()
    ? h(
        "div",
        { class: "cmd-buttons" },
        OPS.map((op) => h("button", { type: "button", "data-testid": `cmd-${op}`, disabled: busy.has(node), onclick: () => send(node, op, redraw) }, t(`cmd.send.${op}`))),
      )
    : null;
  const err = errors.get(node);
  return h(
    "div",
    { class: "cmds", "data-testid": `cmds-${node}` },
    h("h3", null, t("cmd.title")),
    buttons,
    err ? h("p", { class: "error", role: "alert" }, err) : null,
    !list
      ? null
      : list.length === 0
        ? h("p", { class: "small muted" }, t("cmd.none"))
        : h(
            "ul",
            { class: "cmd-list" },
            list.map((c) =>
              h(
                "li",
                { "data-testid": `cmd-row-${c.op}`, "data-state": c.state },
                h("b", null, t(`cmd.op.${c.op}`)),
                " ",
                h("span", { class: "sev " + stateClass(c) }, t(`cmd.state.${c.state}`)),
                " ",
                h("span", { class: "small muted" }, t("cmd.meta", { by: c.createdBy, t: dateTime(c.createdAt) })),
                c.err ? h("div", { class: "small bad" }, c.err) : null,
              ),
            ),
          ),
  );
}
