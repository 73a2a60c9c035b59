import { fetchFeedPage } from "../feed/fetch-page";
import { itemTopic } from "../feed/page";
import { FeedPoller } from "../feed/poller";
import type { Node, NodeAPI, NodeMessage } from "../red";
import type { GatewayNode } from "./gateway-node";

interface FeedConfig {
  gateway?: string;
  /** Seconds between polls once caught up. */
  interval?: string | number;
  limit?: string | number;
  /** Seconds before a request is given up. */
  timeout?: string | number;
  /** "item": one message per entry; "page": one message per page (payload: the entries). */
  output?: string;
}

function num(x: string | number | undefined, def: number, min: number, max: number): number {
  const n = typeof x === "number" ? x : x === undefined || x === "" ? def : Number(x);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : def;
}

/**
 * `manure-feed`: the gateway's county feed (GET /api/v1/feed) as messages, in seq order, each
 * entry once per poller position. The position lives in the node's context, so with a
 * persistent context store a restart of Node-RED resumes where it stopped.
 * An input message polls at once; with `msg.reset === true` the position is forgotten first.
 */
export function registerFeed(RED: NodeAPI): void {
  RED.nodes.registerType("manure-feed", function (this: Node, config: FeedConfig) {
    RED.nodes.createNode(this, config);
    const gw = config.gateway ? (RED.nodes.getNode(config.gateway) as GatewayNode | null) : null;
    if (!gw || !gw.url || !gw.token) {
      this.status({ fill: "red", shape: "ring", text: "no gateway address or token" });
      this.error("manure-feed: configure a gateway with its address and a county token");
      return;
    }
    const perPage = config.output === "page";
    const opts = { url: gw.url, token: gw.token, limit: num(config.limit, 1000, 1, 10_000), timeoutMs: num(config.timeout, 30, 1, 600) * 1000 };
    const ctx = this.context();
    const poller = new FeedPoller({
      fetchPage: (cursor, after) => fetchFeedPage(opts, cursor, after),
      store: {
        load: () => ({ cursor: ctx.get("cursor") as string | undefined, seq: ctx.get("seq") as number | undefined }),
        save: (cursor, seq) => {
          ctx.set("cursor", cursor === "" ? undefined : cursor);
          ctx.set("seq", seq);
        },
      },
      deliver: (items, page) => {
        if (perPage) this.send({ topic: "feed", payload: items, cursor: page.next_cursor, lastSeq: page.last_seq });
        else this.send([items.map((item): NodeMessage => ({ topic: itemTopic(item), payload: item, seq: item.seq }))]);
      },
      onError: (err) => this.error(err.message),
      onProgress: (p) =>
        this.status(
          p.ok
            ? { fill: "green", shape: "dot", text: `seq ${p.seq ?? "–"}${p.errors ? ` · ${p.errors} errors` : ""}` }
            : { fill: "red", shape: "ring", text: `error (${p.errors}) · seq ${p.seq ?? "–"}` },
        ),
      intervalMs: num(config.interval, 10, 1, 86_400) * 1000,
      timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    });
    this.on("input", (msg, _send, done) => {
      if (msg.reset === true) poller.reset();
      poller.pollNow();
      done();
    });
    this.on("close", (_removed, done) => {
      void poller.stop().then(done, done);
    });
    poller.start();
  });
}
