import { isSealed, open, parseSecretKey, seal, sealedWith } from '../../../src/secrets/secret-box';
import { testKey } from './keys';

describe('secret box (AES-256-GCM)', () => {
  const k1 = testKey(1);
  const k2 = testKey(2);

  it('parses 32-byte keys as base64 or hex and refuses anything else', () => {
    const b64 = Buffer.alloc(32, 9).toString('base64');
    const hex = Buffer.alloc(32, 9).toString('hex');
    const a = parseSecretKey(b64);
    const b = parseSecretKey(hex);
    expect(a.ok && b.ok && a.key.id === b.key.id).toBe(true);
    for (const bad of [
      '',
      'short',
      Buffer.alloc(16).toString('base64'),
      Buffer.alloc(33).toString('base64'),
      'z'.repeat(64),
    ]) {
      expect(parseSecretKey(bad)).toEqual({ ok: false, error: expect.stringContaining('32 random bytes') });
    }
  });

  it('seals to text that holds no plaintext, differs each time, and opens with its key', () => {
    const a = seal('hunter2-digest', k1, 'bindings.digest_password');
    const b = seal('hunter2-digest', k1, 'bindings.digest_password');
    expect(isSealed(a)).toBe(true);
    expect(a).not.toContain('hunter2');
    expect(a).not.toBe(b);
    expect(sealedWith(a)).toBe(k1.id);
    expect(open(a, [k2, k1], 'bindings.digest_password')).toBe('hunter2-digest');
  });

  it('refuses another key, another place (AAD) and an altered value', () => {
    const a = seal('pw', k1, 'bindings.digest_password');
    expect(() => open(a, [k2], 'bindings.digest_password')).toThrow(/not configured/);
    expect(() => open(a, [k1], 'elsewhere')).toThrow();
    const raw = Buffer.from(a.split(':').at(-1)!, 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    const altered = `${a.slice(0, a.lastIndexOf(':') + 1)}${raw.toString('base64')}`;
    expect(() => open(altered, [k1], 'bindings.digest_password')).toThrow();
  });
});
