import { z } from "zod";
import { isValidId, DEFAULT_BASE } from "@manure-edge/protocol";
import { isSecretHash } from "./passwords";

/**
 * The gateway's configuration file schema. Every field has a default, so an empty file (or no
 * file at all) gives a gateway that runs: SQLite under ./data, the embedded broker on 1883,
 * HTTP on 8080, no upstream.
 */
const id = z.string().refine(isValidId, "must be 1..32 characters of A-Z a-z 0-9 _ -");
const port = z.number().int().min(0).max(65535);

const nodeCredential = z.object({
  id,
  /** scrypt hash made by `farm-gateway node-hash` (never the clear password). */
  passwordHash: z.string().refine(isSecretHash, "must be a scrypt hash (scrypt$N$r$p$salt$hash)"),
});

const tls = z
  .object({
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

const pollTransport = z.discriminatedUnion("type", [
  z.object({ type: z.literal("tcp"), host: z.string().min(1), port }).strict(),
  z
    .object({
      type: z.literal("serial"),
      path: z.string().min(1),
      baud: z.number().int().positive().default(9600),
      parity: z.enum(["none", "even", "odd"]).default("none"),
      stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    })
    .strict(),
]);

const pollDevice = z
  .object({
    id,
    /** Register map id: protocol/maps/<map>.json. */
    map: z.string().min(1),
    unit: z.number().int().min(0).max(247),
    /** Seconds between polls. */
    every: z.number().positive().default(60),
  })
  .strict();

const pollBus = z
  .object({
    transport: pollTransport,
    timeoutMs: z.number().int().positive().default(1000),
    retries: z.number().int().min(0).max(10).default(1),
    devices: z.array(pollDevice).min(1),
  })
  .strict();

export const configSchema = z
  .object({
    farm: id.default("farm"),
    gateway: id.default("gw"),
    base: z.string().min(1).regex(/^[^/+#]+$/, "one topic level, no / + #").default(DEFAULT_BASE),
    dataDir: z.string().min(1).default("./data"),
    log: z.object({ level: z.enum(["debug", "info", "warn", "error", "silent"]).default("info") }).strict().prefault({}),
    store: z
      .object({
        /** SQLite file; default <dataDir>/gateway.db. */
        path: z.string().optional(),
        /** Raw readings older than this (data time) are deleted; rollups are kept. */
        retentionDays: z.number().positive().default(400),
        /** Group commit: flush every groupCommitMs or every groupCommitMax messages. */
        groupCommitMs: z.number().int().min(0).default(20),
        groupCommitMax: z.number().int().positive().default(1000),
        /** ...or as soon as the queued messages hold this many readings. */
        groupCommitMaxReadings: z.number().int().positive().default(5000),
        /** Messages waiting for a commit, at most; beyond this new messages are not acked. */
        queueMax: z.number().int().positive().default(20000),
        /** SQLite synchronous mode. FULL: an acked message survives power loss (see store/db.ts). */
        synchronous: z.enum(["FULL", "NORMAL"]).default("FULL"),
        /** Upper bound of the database in pages (PRAGMA max_page_count): a disk quota. */
        maxPageCount: z.number().int().positive().optional(),
      })
      .strict()
      .prefault({}),
    mqtt: z
      .object({
        /** Embedded broker listener (ignored with `external`). Nodes on the farm LAN need 0.0.0.0. */
        listen: z.object({ host: z.string().default("0.0.0.0"), port: port.default(1883) }).strict().prefault({}),
        /** Use an external broker instead of the embedded one. */
        external: z
          .object({
            url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, "must be an mqtt://, mqtts://, ws:// or wss:// URL"),
            username: z.string().optional(),
            password: z.string().optional(),
            clientId: z.string().optional(),
            tls: tls.optional(),
          })
          .strict()
          .optional(),
        /** Per-node credentials for the embedded broker. */
        nodes: z.array(nodeCredential).default([]),
        /** Extra broker users (e.g. an operator's MQTT explorer), read-only on the farm's topics. */
        observers: z.array(z.object({ user: z.string().min(1), passwordHash: z.string().refine(isSecretHash, "must be a scrypt hash") }).strict()).default([]),
      })
      .strict()
      .prefault({}),
    http: z.object({ host: z.string().default("0.0.0.0"), port: port.default(8080) }).strict().prefault({}),
    upstream: z
      .object({
        url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, "must be an mqtt://, mqtts://, ws:// or wss:// URL"),
        protocolVersion: z.union([z.literal(4), z.literal(5)]).default(4),
        username: z.string().optional(),
        password: z.string().optional(),
        clientId: z.string().optional(),
        tls: tls.optional(),
        /** Feed entries per published batch. */
        batchSize: z.number().int().positive().max(10000).default(500),
        /** Batches published and not yet PUBACKed, at most. */
        window: z.number().int().positive().max(1000).default(16),
        /** Backlog drain rate limit, feed entries per second (0 = unlimited). */
        maxPerSecond: z.number().min(0).default(5000),
        /** Feed entries whose batch bodies are rendered into the outbox ahead while the link is down (0: never; features/upstream-render.ts). About 50–58 bytes of disk each until acknowledged (measured: gateway/README.md). */
        renderAhead: z.number().int().min(0).default(1_000_000),
        backoff: z.object({ minMs: z.number().int().positive().default(1000), maxMs: z.number().int().positive().default(300000) }).strict().prefault({}),
      })
      .strict()
      .optional(),
    /** Commands to nodes (features/commands.ts). */
    commands: z
      .object({
        /** A command with no result after this long (seconds, gateway clock) becomes `expired`; also its `exp` for the node. */
        timeoutS: z.number().positive().max(7 * 86400).default(600),
      })
      .strict()
      .prefault({}),
    polling: z.array(pollBus).default([]),
    /** Facilities (pits, lagoons, compost piles, tankers): validated by the rules engine. */
    facilities: z.unknown().optional(),
  })
  .strict();

export type GatewayConfig = z.infer<typeof configSchema>;
export type PollBusConfig = z.infer<typeof pollBus>;
export type UpstreamConfig = NonNullable<GatewayConfig["upstream"]>;
