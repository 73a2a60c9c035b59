import { scrypt, timingSafeEqual } from "node:crypto";
import { hashSecret, isSecretHash } from "../config/passwords";

/**
 * The async twin of config/passwords.ts verifySecret: scrypt (RFC 7914) on libuv's thread pool
 * so a login (tens of ms of hashing) never stalls ingest on the event loop.
 */
export function verifySecretAsync(secret: string, stored: string): Promise<boolean> {
  if (!isSecretHash(stored)) return Promise.resolve(false);
  const [, n, r, p, saltB64, hashB64] = stored.split("$");
  const expected = Buffer.from(hashB64, "base64");
  const N = Number(n);
  const R = Number(r);
  return new Promise((resolve) => {
    scrypt(secret, Buffer.from(saltB64, "base64"), expected.length, { N, r: R, p: Number(p), maxmem: 256 * N * R }, (err, got) => {
      resolve(!err && got.length === expected.length && timingSafeEqual(got, expected));
    });
  });
}

let dummy: string | null = null;

/** A hash to verify against when the user does not exist, so timing does not tell names apart. */
export function dummyHash(): string {
  dummy ??= hashSecret("not-a-real-password");
  return dummy;
}
