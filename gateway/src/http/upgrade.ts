import type { Duplex } from "node:stream";

/** Refuses a WebSocket upgrade with a plain HTTP answer carrying the usual JSON error. */
export function rejectUpgrade(socket: Duplex, status: number, code: string, reason: string): void {
  const body = JSON.stringify({ error: code, reason });
  const text = status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : status === 404 ? "Not Found" : status === 503 ? "Service Unavailable" : "Bad Request";
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  else socket.destroy();
}
