/**
 * What lets an idempotent campaign create tell "the same credential again" from "another one"
 * without keeping the credential: a salted scrypt verifier, as a password store keeps one.
 *
 * Why not the request hash: a plain SHA-256 over a request whose every other field is known
 * (they are in the record and its answers) lets whoever reads the record test password guesses
 * at billions a second. scrypt with a random salt makes each guess cost ~16 MiB and tens of
 * milliseconds; a campaign is created rarely, so that cost is paid once per create.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { HeaderPair } from '@courier/queue';

const SCRYPT: ScryptOptions = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_BYTES, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))));
}

const secretOf = (headers: readonly HeaderPair[]): string => JSON.stringify(headers);

/** `scrypt$<salt>$<key>` (base64url) for the credential headers. */
export async function credentialVerifier(headers: readonly HeaderPair[]): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secretOf(headers), salt);
  return `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** True when `headers` are the ones `verifier` was made from (constant-time compare); false for a malformed verifier. */
export async function matchesVerifier(headers: readonly HeaderPair[], verifier: string): Promise<boolean> {
  const [scheme, salt, key] = verifier.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(secretOf(headers), Buffer.from(salt, 'base64url'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
