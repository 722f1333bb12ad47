/**
 * AES-256-GCM sealing of short secrets (node:crypto). A sealed value is text:
 * `enc:v1:<key id>:<base64 of 12-byte IV ‖ 16-byte tag ‖ ciphertext>`. The key id (the first
 * 8 hex digits of SHA-256 of the key) says which key sealed it, so a value sealed with the
 * previous key is found and re-sealed after a rotation. `aad` binds a value to where it is
 * stored (a value copied to another column does not open).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface SecretKey {
  id: string;
  bytes: Buffer;
}

export type KeyParse = { ok: true; key: SecretKey } | { ok: false; error: string };

/** A key as written in the environment: 32 bytes, base64 (`openssl rand -base64 32`) or 64 hex digits. */
export function parseSecretKey(raw: string): KeyParse {
  const text = raw.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/]{43}=$/.test(text)
      ? Buffer.from(text, 'base64')
      : undefined;
  if (!bytes || bytes.length !== KEY_BYTES) {
    return { ok: false, error: 'expected 32 random bytes as base64 (openssl rand -base64 32) or as 64 hex digits' };
  }
  return { ok: true, key: { id: keyId(bytes), bytes } };
}

export function keyId(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 8);
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The id of the key that sealed `value` (undefined when it is not sealed). */
export function sealedWith(value: string): string | undefined {
  if (!isSealed(value)) return undefined;
  return value.slice(PREFIX.length).split(':')[0];
}

export function seal(plaintext: string, key: SecretKey, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${PREFIX}${key.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** Opens a sealed value with the key that sealed it; throws when that key is not among `keys` or the value was altered. */
export function open(sealed: string, keys: readonly SecretKey[], aad: string): string {
  const id = sealedWith(sealed);
  const key = keys.find((k) => k.id === id);
  if (!id || !key) throw new Error(`sealed with key ${id ?? '(none)'}, which is not configured`);
  const raw = Buffer.from(sealed.slice(PREFIX.length + id.length + 1), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
