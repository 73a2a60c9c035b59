import type { ServerResponse } from "node:http";

/**
 * Every error the API answers is JSON `{ error, reason }`: `error` is a short stable code a
 * program can switch on, `reason` says what was wrong in words (RFC 9110 §15 status codes).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
    this.name = "HttpError";
  }
}

export const badRequest = (reason: string) => new HttpError(400, "bad_request", reason);
export const unauthorized = (reason: string) => new HttpError(401, "unauthorized", reason);
export const forbidden = (reason: string) => new HttpError(403, "forbidden", reason);
export const notFound = (reason: string) => new HttpError(404, "not_found", reason);
export const conflict = (reason: string) => new HttpError(409, "conflict", reason);
export const unavailable = (reason: string) => new HttpError(503, "unavailable", reason);

/** Headers every answer carries: no sniffing, no framing, no referrer leaking tokens in URLs. */
export const BASE_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...BASE_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  sendJson(res, e.status, { error: e.code, reason: e.reason }, e.headers);
}
