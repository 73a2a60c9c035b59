/** One CSV record (RFC 4180 §2): fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvLine(fields: unknown[]): string {
  return fields.map(csvField).join(",") + "\r\n";
}

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = String(v);
  // A leading = + - @ makes spreadsheet programs evaluate the cell (CSV injection): defuse it.
  if (/^[=+\-@]/.test(s) && !/^-?\d/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
