/** Hash routes: #/, #/facility/<id>, #/alerts, #/alerts/<id>, #/ledger, #/nodes, #/record, #/login. */
export interface Route {
  name: "overview" | "facility" | "alerts" | "alert" | "ledger" | "nodes" | "record" | "login";
  arg: string | null;
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const [path, qs] = raw.split("?");
  const parts = (path ?? "").split("/").filter(Boolean).map((p) => decodeURIComponent(p));
  const query = new URLSearchParams(qs ?? "");
  const [a, b] = parts;
  if (a === "facility" && b) return { name: "facility", arg: b, query };
  if (a === "alerts" && b) return { name: "alert", arg: b, query };
  if (a === "alerts" || a === "ledger" || a === "nodes" || a === "record" || a === "login") return { name: a, arg: null, query };
  return { name: "overview", arg: null, query };
}

export function go(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}
