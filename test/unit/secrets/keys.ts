import { parseSecretKey, type SecretKey } from '../../../src/secrets/secret-box';

/** A fixed test key (32 bytes of `fill`), as SECRETS_KEY would give it. */
export function testKey(fill: number): SecretKey {
  const parsed = parseSecretKey(Buffer.alloc(32, fill).toString('base64'));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.key;
}
