/**
 * The params of a transition's data as the rules engine hands it over (`{key, from, params,
 * value, raisedAt}`, gateway/src/rules/sink.ts), before it is stored; null when it has none.
 * The stored form is read by paramsOfData in ./queries.ts: both give the API the same value.
 */
export function paramsOfInput(data: unknown): Record<string, unknown> | null {
  if (data === null || typeof data !== "object") return null;
  const p = (data as { params?: unknown }).params;
  return p !== null && typeof p === "object" && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
}
