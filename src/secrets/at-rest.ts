/**
 * Secrets stored in the database (digest passwords) are sealed with `SECRETS_KEY`; after a
 * rotation the old key stays readable as `SECRETS_KEY_PREVIOUS` until the start-up re-seal has
 * moved every value to the new key (see README "Secrets at rest"). Without `SECRETS_KEY` nothing
 * secret may be stored; values written in plain text by an older version are still read, and
 * sealed at the next start with a key.
 */
import { isSealed, open, seal, sealedWith, type SecretKey } from './secret-box';

/** Storing a secret without SECRETS_KEY, or reading one sealed with a key that is not configured. */
export class SecretsKeyError extends Error {
  override readonly name = 'SecretsKeyError';
}

export const NO_KEY_MESSAGE =
  'SIP Ops cannot store a digest password: SECRETS_KEY is not set. Set SECRETS_KEY to 32 random bytes (openssl rand -base64 32) and restart, or use IP-based (ACL) authentication.';

/** Where digest passwords are stored (bound into their seal). */
export const DIGEST_PASSWORD_COLUMN = 'bindings.digest_password';

export class SecretsAtRest {
  constructor(
    private readonly current: SecretKey | undefined,
    private readonly previous: SecretKey | undefined = undefined,
  ) {}

  get canStore(): boolean {
    return this.current !== undefined;
  }

  /** The stored form of `plaintext` at `where` (a column name, bound into the seal). */
  seal(plaintext: string, where: string): string {
    if (!this.current) throw new SecretsKeyError(NO_KEY_MESSAGE);
    return seal(plaintext, this.current, where);
  }

  /** The plaintext of a stored value (plain text written by an older version is returned as is). */
  open(stored: string, where: string): string {
    if (!isSealed(stored)) return stored;
    const keys = [this.current, this.previous].filter((k): k is SecretKey => k !== undefined);
    try {
      return open(stored, keys, where);
    } catch (err) {
      throw new SecretsKeyError(
        `a stored secret (${where}) cannot be read: ${(err as Error).message}. Set SECRETS_KEY to the key it was sealed with, or put that key in SECRETS_KEY_PREVIOUS during a rotation.`,
      );
    }
  }

  /** Whether `stored` should be sealed again: plain text, or sealed with a key other than SECRETS_KEY. */
  needsReseal(stored: string): boolean {
    return this.current !== undefined && sealedWith(stored) !== this.current.id;
  }
}
