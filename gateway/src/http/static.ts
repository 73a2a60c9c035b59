import { createReadStream, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BASE_HEADERS, notFound } from "./errors";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The panel's static files (gateway/panel/), public like any login page: they hold no farm
 * data, the API behind them does. Paths are normalised and must stay inside the directory.
 * CSP: scripts only from this origin (no inline script), so an injected string cannot run.
 */
export const PANEL_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse, rawPath: string): void {
  let rel: string;
  try {
    rel = decodeURIComponent(rawPath);
  } catch {
    throw notFound("no such file");
  }
  if (rel.includes("\0")) throw notFound("no such file");
  if (rel.endsWith("/")) rel += "index.html";
  const root = normalize(dir + sep);
  const file = normalize(join(root, rel));
  if (!file.startsWith(root)) throw notFound("no such file");
  let size: number;
  let mtime: Date;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error("not a file");
    size = st.size;
    mtime = st.mtime;
  } catch {
    throw notFound(rawPath === "/" ? "the operator panel is not installed (gateway/panel/index.html)" : "no such file");
  }
  const etag = `"${size.toString(36)}-${mtime.getTime().toString(36)}"`;
  const headers: Record<string, string> = {
    ...BASE_HEADERS,
    "content-type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
    "cache-control": "no-cache",
    etag,
    "content-security-policy": PANEL_CSP,
  };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, "content-length": String(size) });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(file).on("error", () => res.destroy()).pipe(res);
}
