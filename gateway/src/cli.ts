import { parseArgs } from "node:util";
import { createWriteStream } from "node:fs";
import { loadConfig, ConfigError } from "./config/load";
import type { GatewayConfig } from "./config/schema";
import { hashSecret } from "./config/passwords";
import { systemClock } from "./clock";
import { createLogger } from "./log";
import { Gateway } from "./gateway";
import { Store } from "./store/store";
import type { Role } from "./store/auth";
import { exportReadings } from "./export";
import { createRulesSink } from "./features/rules-sink-factory";

const USAGE = `farm-gateway <command> [options]

  start          [-c FILE]                      run the gateway
  check-config   [-c FILE]                      validate the config file and print a summary
  node-hash      PASSWORD                       scrypt hash for mqtt.nodes[].passwordHash
  user add       NAME --role viewer|operator|admin [--password P]  (else $FARM_GATEWAY_PASSWORD)
  user list
  token add      NAME [--scope read]            prints the token once
  token revoke   NAME
  token list
  db stats       [-c FILE]                      table counts, disk use, sequence gaps, feed seq
  export         --from ISO --to ISO [--format csv|ndjson] [--out FILE]

  -c, --config FILE   YAML or JSON config (default: embedded defaults; $FARM_GATEWAY_CONFIG)
`;

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        role: { type: "string" },
        password: { type: "string" },
        scope: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        format: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    err((e as Error).message + "\n\n" + USAGE);
    return 2;
  }
  const [cmd, sub, ...rest] = args.positionals;
  const o = args.values;
  if (o.help || !cmd) {
    out(USAGE);
    return cmd ? 0 : 2;
  }
  let cfg: GatewayConfig;
  try {
    cfg = loadConfig(o.config ?? process.env.FARM_GATEWAY_CONFIG);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`config invalid${e.file ? " (" + e.file + ")" : ""}:\n` + e.problems.map((p) => `  ${p.path || "(root)"}: ${p.reason}\n`).join(""));
      return 1;
    }
    throw e;
  }
  try {
    switch (cmd) {
      case "start":
        return await start(cfg);
      case "check-config":
        out(
          `config ok: farm ${cfg.farm}, gateway ${cfg.gateway}, db ${cfg.store.path}, ` +
            (cfg.mqtt.external ? `external broker ${cfg.mqtt.external.url}` : `embedded broker ${cfg.mqtt.listen.host}:${cfg.mqtt.listen.port}`) +
            `, ${cfg.mqtt.nodes.length} node credential(s), http ${cfg.http.host}:${cfg.http.port}, upstream ${cfg.upstream ? cfg.upstream.url : "none"}, ${cfg.polling.length} polled bus(es)\n`,
        );
        createRulesSink(cfg.facilities); // validates facilities when the rules engine is present
        return 0;
      case "node-hash":
        if (!sub) throw new Error("node-hash needs the password");
        out(hashSecret(sub) + "\n");
        return 0;
      case "user":
      case "token":
      case "db":
      case "export":
        return withStore(cfg, (store) => admin(store, cmd, sub, rest, o, out));
      default:
        err(`unknown command "${cmd}"\n\n` + USAGE);
        return 2;
    }
  } catch (e) {
    err(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

type Opts = Record<string, string | boolean | undefined>;

function withStore(cfg: GatewayConfig, fn: (s: Store) => number | Promise<number>): Promise<number> {
  const store = new Store({ path: cfg.store.path!, synchronous: cfg.store.synchronous, clock: systemClock });
  store.open();
  return Promise.resolve(fn(store)).finally(() => store.close());
}

async function admin(store: Store, cmd: string, sub: string | undefined, rest: string[], o: Opts, out: (s: string) => void): Promise<number> {
  if (cmd === "user" && sub === "add") {
    const name = rest[0];
    const role = o.role as Role | undefined;
    if (!name) throw new Error("user add needs a name");
    if (role !== "viewer" && role !== "operator" && role !== "admin") throw new Error("--role must be viewer, operator or admin");
    const pw = (o.password as string | undefined) ?? process.env.FARM_GATEWAY_PASSWORD;
    if (!pw) throw new Error("give the password with --password or $FARM_GATEWAY_PASSWORD");
    const u = store.addUser(name, pw, role);
    out(`user ${u.name} (${u.role}) added\n`);
    return 0;
  }
  if (cmd === "user" && sub === "list") {
    for (const u of store.users()) out(`${u.name}\t${u.role}${u.disabled ? "\tdisabled" : ""}\n`);
    return 0;
  }
  if (cmd === "token" && sub === "add") {
    if (!rest[0]) throw new Error("token add needs a name");
    const t = store.addToken(rest[0], (o.scope as string | undefined) ?? "read");
    out(t.token + "\n");
    return 0;
  }
  if (cmd === "token" && sub === "revoke") {
    if (!rest[0]) throw new Error("token revoke needs a name");
    if (!store.revokeToken(rest[0])) throw new Error(`no active token named "${rest[0]}"`);
    out(`token ${rest[0]} revoked\n`);
    return 0;
  }
  if (cmd === "token" && sub === "list") {
    for (const t of store.tokens()) out(`${t.name}\t${t.scope}\t${new Date(t.createdAt).toISOString()}\t${t.revokedAt ? "revoked " + new Date(t.revokedAt).toISOString() : "active"}\n`);
    return 0;
  }
  if (cmd === "db" && sub === "stats") {
    const d = store.diskUse();
    const gaps = store.sequenceGaps();
    out(
      JSON.stringify(
        {
          path: store.path,
          dbBytes: d.dbBytes, walBytes: d.walBytes, freePages: d.freePages, pageSize: d.pageSize,
          tables: store.tableCounts(), feedSeq: store.lastFeedSeq(),
          gaps: gaps.length, missingMessages: gaps.reduce((n, g) => n + g.to - g.from + 1, 0),
          upstreamCursor: store.forward("upstream").cursor(),
          // Feed entries whose batch bodies wait rendered in the outbox (features/upstream-render.ts).
          upstreamRendered: store.forward("upstream").renderedEntries(),
        },
        null,
        2,
      ) + "\n",
    );
    return 0;
  }
  if (cmd === "export") {
    const from = Date.parse(String(o.from ?? ""));
    const to = Date.parse(String(o.to ?? ""));
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw new Error("--from and --to must be ISO 8601 times (2026-03-01T00:00:00Z)");
    const format = (o.format as string | undefined) ?? "csv";
    if (format !== "csv" && format !== "ndjson") throw new Error("--format must be csv or ndjson");
    const stream = o.out ? createWriteStream(String(o.out)) : null;
    const n = exportReadings(store, from, to, format, stream ? (s) => stream.write(s) : out);
    if (stream) await new Promise<void>((r) => stream.end(() => r()));
    process.stderr.write(`${n} readings exported\n`);
    return 0;
  }
  throw new Error(`unknown command "${cmd} ${sub ?? ""}"`);
}

async function start(cfg: GatewayConfig): Promise<number> {
  const log = createLogger(cfg.log.level);
  const gw = new Gateway(cfg, { clock: systemClock, log, rules: createRulesSink(cfg.facilities) });
  // The handlers go in before start(): a SIGTERM while the gateway starts (a service manager
  // restarting it) waits for start() and then stops cleanly, instead of killing the process
  // halfway through opening its database.
  const signalled = new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.info("signal received, stopping", { sig });
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await gw.start();
  await signalled;
  await gw.stop();
  return 0;
}
