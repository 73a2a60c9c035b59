import { API } from "../api";
import { h, replace } from "../dom";
import { ago, dateTime, num, t } from "../i18n";
import { S, loadNodes, on } from "../state";
import type { NodeRow, SensorRow } from "../types";
import { commandsBlock, commandsWaiting, loadCommands } from "./node-commands";

/** Quality flags of protocol/src/wire/types.ts (Q), named for the operator. */
const FLAGS: [number, string][] = [
  [1, "modbusError"],
  [2, "outOfRange"],
  [4, "sensorFault"],
  [8, "clockUnsync"],
  [256, "timeCorrected"],
  [512, "healthSuspect"],
];

export function flagText(flags: number | null): string {
  if (!flags) return t("flags.ok");
  return FLAGS.filter(([b]) => (flags & b) !== 0).map(([, k]) => t(`flags.${k}`)).join(", ");
}

/** Online / offline as the node's last status message (or its MQTT will) said; unknown before any. */
function onlineBadge(n: NodeRow): HTMLElement {
  if (n.statusAt === null || n.statusAt === undefined) return h("span", { class: "sev sev-info", "data-testid": "node-online" }, "? ", t("nodes.noStatus"));
  return h("span", { class: "sev " + (n.online ? "sev-ok" : "sev-critical"), "data-testid": "node-online" }, n.online ? "● " : "✖ ", t(n.online ? "nodes.online" : "nodes.offline"));
}

/** Nodes (last seen, firmware, buffer depth, Modbus error rate) and every sensor's last reading. */
export function nodesView(root: HTMLElement): () => void {
  const nodesBox = h("div", { "data-testid": "nodes" });
  const sensorsBox = h("div");
  root.append(h("div", { class: "view-head" }, h("h1", null, t("nodes.title"))), nodesBox, h("h2", null, t("nodes.sensors")), sensorsBox);
  let sensors: SensorRow[] | null = null;
  const now = () => S.dataNow ?? Date.now();
  const draw = () => {
    const nodes = S.nodes;
    if (!nodes) replace(nodesBox, h("p", { class: "muted" }, t("app.loading")));
    else if (nodes.length === 0) replace(nodesBox, h("p", { class: "muted" }, t("nodes.none")));
    else
      replace(
        nodesBox,
        h(
          "ul",
          { class: "nodes" },
          nodes.map((n) => {
            const rate = n.modbus?.errorRate ?? null;
            return h(
              "li",
              { class: "node" + (n.statusAt !== null && !n.online ? " offline" : ""), "data-testid": `node-${n.id}` },
              h("div", { class: "node-head" }, h("b", null, n.id), " ", onlineBadge(n)),
              h(
                "dl",
                { class: "kv" },
                h("dt", null, t("nodes.lastSeen")), h("dd", null, dateTime(n.lastSeen), " (", ago(now() - n.lastSeen), ")"),
                h("dt", null, t("nodes.firmware")), h("dd", null, n.fw ?? "–"),
                h("dt", null, t("nodes.buffer")), h("dd", null, n.bufferDepth === null ? "–" : num(n.bufferDepth, 0)),
                h("dt", null, t("nodes.modbusErrors")), h("dd", { class: rate !== null && rate > 0.05 ? "bad" : "" }, rate === null ? "–" : num(rate * 100, 1) + " %"),
                h("dt", null, t("nodes.missing")), h("dd", null, num(n.missing, 0)),
                n.modbus && n.modbus.offline.length > 0 ? [h("dt", null, t("nodes.devicesOffline")), h("dd", { class: "bad" }, n.modbus.offline.join(", "))] : null,
              ),
              commandsBlock(n.id, draw),
            );
          }),
        ),
      );
    if (sensors)
      replace(
        sensorsBox,
        h(
          "table",
          { class: "table" },
          h("thead", null, h("tr", null, h("th", null, t("nodes.col.sensor")), h("th", { class: "num" }, t("nodes.col.value")), h("th", null, t("nodes.col.time")), h("th", null, t("nodes.col.quality")))),
          h("tbody", null, sensors.map((s) => h("tr", { class: s.lastFlags ? "flagged" : "" }, h("td", null, s.sensor), h("td", { class: "num" }, num(s.lastValue, 3)), h("td", null, dateTime(s.lastT)), h("td", null, flagText(s.lastFlags))))),
        ),
      );
  };
  const loadSensors = () =>
    API.sensors()
      .then((r) => {
        sensors = r.sensors;
        draw();
      })
      .catch(() => undefined);
  const loadAllCommands = () => {
    for (const n of S.nodes ?? []) void loadCommands(n.id, draw);
  };
  void loadNodes()
    .then(loadAllCommands)
    .catch(() => undefined);
  void loadSensors();
  draw();
  loadAllCommands();
  let timer: number | null = null;
  // A node answers a command later (or never: it expires at the gateway): poll while any waits.
  const poll = window.setInterval(() => {
    for (const node of commandsWaiting()) void loadCommands(node, draw);
  }, 2000);
  const off = on(["nodes", "lang"], draw);
  const offR = on(["readings"], () => {
    if (timer === null) timer = window.setTimeout(() => ((timer = null), void loadSensors()), 2000);
  });
  return () => {
    window.clearInterval(poll);
    off();
    offR();
    if (timer !== null) window.clearTimeout(timer);
  };
}
