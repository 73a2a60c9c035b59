import { checkPage, FeedError, type FeedPage } from "./page";

export interface FetchPageOptions {
  /** The gateway's base address, e.g. http://farm-gw.local:8080 */
  url: string;
  /** A county API token (`farm-gateway token add NAME`). */
  token: string;
  /** Entries per page, 1..10 000 (the gateway's own bounds). */
  limit: number;
  /** Give a request up after this long. */
  timeoutMs: number;
}

/**
 * The largest answer read: 10 000 entries of a few hundred bytes each is a few MB; anything
 * far beyond is not the feed, and reading it whole would only cost the host its memory.
 */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** The gateway's error body: {"error": code, "reason": text} (docs/http-api.md). */
function describeError(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; reason?: unknown };
    if (typeof j.error === "string") return `feed: HTTP ${status} ${j.error}${typeof j.reason === "string" ? `: ${j.reason}` : ""}`;
  } catch {
    // not JSON: fall through to the plain status
  }
  return `feed: HTTP ${status}`;
}

/** Reads one page after `cursor` (from the oldest entry kept when undefined), checked. */
export async function fetchFeedPage(opts: FetchPageOptions, cursor: string | undefined, after?: number): Promise<FeedPage> {
  let url: URL;
  try {
    url = new URL("/api/v1/feed", opts.url);
  } catch {
    throw new FeedError(`feed: gateway address "${opts.url}" is not a URL`);
  }
  url.searchParams.set("limit", String(opts.limit));
  if (cursor !== undefined) url.searchParams.set("cursor", cursor);
  let res: Response;
  let body: string;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${opts.token}`, accept: "application/json" }, signal: AbortSignal.timeout(opts.timeoutMs) });
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > MAX_ANSWER_BYTES) {
      await res.body?.cancel();
      throw new FeedError(`feed: answer of ${declared} bytes is over ${MAX_ANSWER_BYTES}`);
    }
    body = await res.text();
  } catch (e) {
    if (e instanceof FeedError) throw e;
    const err = e as Error;
    if (err.name === "TimeoutError") throw new FeedError(`feed: no answer from ${url.origin} within ${opts.timeoutMs} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new FeedError(`feed: cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? err.message}`);
  }
  if (body.length > MAX_ANSWER_BYTES) throw new FeedError(`feed: answer of ${body.length} characters is over ${MAX_ANSWER_BYTES}`);
  if (res.status !== 200) throw new FeedError(describeError(res.status, body), res.status);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new FeedError(`feed: the answer is not JSON (${(e as Error).message})`);
  }
  return checkPage(json, after);
}
