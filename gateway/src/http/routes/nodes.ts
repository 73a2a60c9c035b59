import type { StatusMessage } from "@manure-edge/protocol";
import type { RouteDeps } from "../host";
import { intParam } from "../params";
import type { Route } from "../router";
import type { NodeRow } from "../../store/queries";
import { NodeGapQueries, type NodeGaps } from "../queries/nodes";

/** A node in GET /api/v1/nodes and the live feed's `node` message (openapi.yaml Node). */
export interface NodeView {
  id: string;
  /** The last status message said online. */
  online: boolean;
  firstSeen: number;
  lastSeen: number;
  lastBoot: number | null;
  lastSeq: number | null;
  fw: string | null;
  statusAt: number | null;
  /** The node's last status message, as sent. */
  status: unknown;
  /** Messages waiting on the node (RAM + flash), from the last status. */
  bufferDepth: number | null;
  bufferDropped: number | null;
  errors: NonNullable<StatusMessage["err"]>;
  /** Modbus transactions since the node's boot, and the devices it marks offline. */
  modbus: { ok: number; err: number; errorRate: number | null; offline: string[] };
  messages: number;
  duplicates: number;
  rejects: number;
  gaps: NodeGaps["ranges"];
  missing: number;
}

/** GET /api/v1/nodes. */
export interface NodesAnswer {
  nodes: NodeView[];
}

/** A node's health for the panel, from its row, its last status message and its sequence gaps. */
export function nodeView(n: NodeRow, gaps: NodeGaps): NodeView {
  const st = (n.status ?? null) as Partial<StatusMessage> | null;
  const buf = st?.buf;
  let ok = 0;
  let err = 0;
  const offline: string[] = [];
  for (const [dev, v] of Object.entries(st?.dev ?? {})) {
    if (!v || typeof v !== "object") continue;
    ok += Number(v.ok) || 0;
    err += Number(v.err) || 0;
    if (v.off) offline.push(dev);
  }
  return {
    id: n.id,
    online: n.state === "online",
    firstSeen: n.firstSeen,
    lastSeen: n.lastSeen,
    lastBoot: n.lastBoot,
    lastSeq: n.lastSeq,
    fw: n.fw,
    statusAt: n.statusAt,
    status: n.status,
    bufferDepth: buf ? (Number(buf.ram) || 0) + (Number(buf.flash) || 0) : null,
    bufferDropped: buf ? Number(buf.dropped) || 0 : null,
    errors: st?.err ?? {},
    modbus: { ok, err, errorRate: ok + err > 0 ? Math.round((err / (ok + err)) * 10000) / 10000 : null, offline },
    messages: n.messages,
    duplicates: n.duplicates,
    rejects: n.rejects,
    gaps: gaps.ranges,
    missing: gaps.missing,
  };
}

export function nodeRoutes(d: RouteDeps): Route[] {
  const store = d.host.store;
  const gapQ = new NodeGapQueries(store.db);
  return [
    {
      method: "GET",
      path: "/api/v1/nodes",
      access: "user",
      handler: () => ({ json: { nodes: store.nodes().map((n) => nodeView(n, gapQ.gaps(n.id))) } satisfies NodesAnswer }),
    },
    {
      method: "GET",
      path: "/api/v1/rejects",
      access: "user",
      handler: (ctx) => {
        const limit = intParam(ctx.url, "limit", 100, 1, 1000);
        return { json: { counts: store.rejectCounts(), recent: store.recentRejects(limit) } };
      },
    },
  ];
}
