import type { IncomingMessage } from "node:http";
import { HttpError, badRequest } from "./errors";

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit is
 * refused before reading; a chunked body is counted as it arrives and refused when it passes
 * the limit (413, RFC 9110 §15.5.14), so a huge body never sits in memory.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        finish(tooLarge(limit));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => finish(null);
    const onError = (e: Error) => finish(badRequest("request body could not be read: " + e.message));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, "payload_too_large", `request body larger than ${limit} bytes`);
}

/**
 * Parses a JSON object body. Writes must say `Content-Type: application/json`: a cross-site
 * HTML form cannot send that type without a CORS preflight, which this server never grants.
 */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new HttpError(415, "unsupported_media_type", "request body must be Content-Type: application/json");
  }
  const buf = await readBody(req, limit);
  if (buf.length === 0) throw badRequest("request body is empty: a JSON object is required");
  let v: unknown;
  try {
    v = JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw badRequest("body is not valid JSON: " + (e as Error).message);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw badRequest("body must be a JSON object");
  return v as Record<string, unknown>;
}
