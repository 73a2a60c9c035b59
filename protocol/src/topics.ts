/**
 * MQTT topic names shared by nodes, gateway and county integrators.
 *
 *   <base>/<farm>/node/<node>/up       node -> gateway, readings (QoS 1)
 *   <base>/<farm>/node/<node>/ack      gateway -> node, cumulative ack (QoS 1)
 *   <base>/<farm>/node/<node>/status   node -> gateway, retained; also the node's MQTT will
 *   <base>/<farm>/node/<node>/cmd      gateway -> node, commands (QoS 1)
 *   <base>/<farm>/node/<node>/cmd/res  node -> gateway, command results (QoS 1)
 *
 * Upstream (gateway -> county broker):
 *   <base>/<farm>/gw/<gateway>/data     batches of readings, alert transitions, ledger entries
 *   <base>/<farm>/gw/<gateway>/status   retained; also the gateway's will
 *
 * Ids are restricted to [A-Za-z0-9_-]{1,32} so that a topic level never contains '/', '+'
 * or '#' (MQTT 3.1.1 §4.7.1: wildcards are not allowed in topic names).
 */

export const DEFAULT_BASE = "manure";

export type NodeTopicKind = "up" | "ack" | "status" | "cmd" | "cmd/res";

const ID_RE = /^[A-Za-z0-9_-]+$/;

/** True when s may be used as a farm, node or gateway id (one topic level, 1..32 chars). */
export function isValidId(s: unknown): s is string {
  return typeof s === "string" && s.length >= 1 && s.length <= 32 && ID_RE.test(s);
}

export function nodeTopic(base: string, farm: string, node: string, kind: NodeTopicKind): string {
  return base + "/" + farm + "/node/" + node + "/" + kind;
}

/** Subscription filter for one kind of node topic across all nodes of a farm (gateway side). */
export function nodeTopicFilter(base: string, farm: string, kind: NodeTopicKind): string {
  return base + "/" + farm + "/node/+/" + kind;
}

export interface ParsedNodeTopic {
  base: string;
  farm: string;
  node: string;
  kind: NodeTopicKind;
}

/** Parses a node topic; returns null for anything that is not exactly one of ours. */
export function parseNodeTopic(topic: string): ParsedNodeTopic | null {
  const p = topic.split("/");
  if (p.length < 5 || p[2] !== "node") return null;
  const kind = p.slice(4).join("/");
  if (kind !== "up" && kind !== "ack" && kind !== "status" && kind !== "cmd" && kind !== "cmd/res") return null;
  if (!isValidId(p[1]) || !isValidId(p[3]) || p[0].length === 0) return null;
  return { base: p[0], farm: p[1], node: p[3], kind: kind };
}

export function gatewayTopic(base: string, farm: string, gateway: string, kind: "data" | "status"): string {
  return base + "/" + farm + "/gw/" + gateway + "/" + kind;
}
