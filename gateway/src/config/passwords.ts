import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

/**
 * Password hashes for node credentials, operators and API tokens: scrypt (RFC 7914) with a
 * per-secret random salt, stored as `scrypt$N$r$p$<salt b64>$<hash b64>` so the cost can be
 * raised later without breaking old hashes.
 */
const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

export function hashSecret(secret: string, cost: { N?: number } = {}): string {
  const salt = randomBytes(16);
  const n = cost.N ?? N;
  const hash = scryptSync(secret, salt, KEYLEN, { N: n, r: R, p: P });
  return ["scrypt", n, R, P, salt.toString("base64"), hash.toString("base64")].join("$");
}

export function isSecretHash(s: string): boolean {
  return /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(s);
}

export function verifySecret(secret: string, stored: string): boolean {
  if (!isSecretHash(stored)) return false;
  const [, n, r, p, saltB64, hashB64] = stored.split("$");
  const expected = Buffer.from(hashB64, "base64");
  const got = scryptSync(secret, Buffer.from(saltB64, "base64"), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * Number(n) * Number(r) });
  return got.length === expected.length && timingSafeEqual(got, expected);
}
