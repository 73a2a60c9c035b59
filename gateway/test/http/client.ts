/** A tiny HTTP client for the tests: real fetch, keeps the session cookie and CSRF token. */
export interface Res {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export class Api {
  cookie: string | null = null;
  csrf: string | null = null;
  bearer: string | null = null;

  constructor(readonly base: string) {}

  async req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.bearer) h.authorization = "Bearer " + this.bearer;
    if (this.csrf && method !== "GET") h["x-csrf-token"] ??= this.csrf;
    if (body !== undefined) h["content-type"] ??= "application/json";
    const r = await fetch(this.base + path, { method, headers: h, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
    const text = await r.text();
    let parsed: unknown = null;
    if ((r.headers.get("content-type") ?? "").startsWith("application/json")) parsed = JSON.parse(text);
    return { status: r.status, headers: r.headers, body: parsed, text };
  }

  get(path: string): Promise<Res> {
    return this.req("GET", path);
  }

  post(path: string, body: unknown = {}): Promise<Res> {
    return this.req("POST", path, body);
  }

  async login(user: string, password: string): Promise<Res> {
    const r = await this.post("/api/v1/login", { user, password });
    if (r.status === 200) {
      this.cookie = (r.headers.get("set-cookie") ?? "").split(";")[0];
      this.csrf = r.body.csrf;
    }
    return r;
  }
}
