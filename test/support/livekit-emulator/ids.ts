import { randomInt } from 'node:crypto';

/** The shortuuid alphabet used by livekit/protocol `utils/guid`. */
export const GUID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** `prefix` + 12 random characters of the shortuuid alphabet (ST_, SDR_, SCL_, PA_, RM_, EV_, AD_ …). */
export function newId(prefix: string): string {
  let s = prefix;
  for (let i = 0; i < 12; i++) s += GUID_ALPHABET[randomInt(GUID_ALPHABET.length)];
  return s;
}

/** Go-style byte-order string comparison (IDs are ASCII, so this is Go's `sort.Strings`). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
