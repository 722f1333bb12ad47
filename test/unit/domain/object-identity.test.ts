import { checkObjectIdentity, type IdentityContext } from '../../../src/domain/object-identity';

const ctx: IdentityContext = { kind: 'binding', surface: 'dialog', reopen: (name) => `/sip-setup ${name}` };
const ID = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

describe('checkObjectIdentity', () => {
  it('accepts the same identity (and version when one is expected)', () => {
    expect(checkObjectIdentity({ id: ID }, { state: 'live', id: ID, name: 'acme', version: 7 }, ctx)).toEqual({
      ok: true,
    });
    expect(
      checkObjectIdentity({ id: ID, version: 7 }, { state: 'live', id: ID, name: 'acme', version: 7 }, ctx),
    ).toEqual({ ok: true });
  });

  it('refuses a deleted object, saying when and how to open it again', () => {
    expect(
      checkObjectIdentity(
        { id: ID, version: 1 },
        { state: 'deleted', id: ID, name: 'acme', deletedAt: '2026-12-02T12:47:39.123Z' },
        ctx,
      ),
    ).toEqual({
      ok: false,
      reason: 'deleted',
      message:
        '⚠️ This dialog was for a binding `acme` that was deleted on 2026-12-02 12:47 UTC; open `/sip-setup acme` again. Nothing was changed.',
    });
  });

  it('refuses another object under the same name (deleted and re-created), even at the same version', () => {
    const r = checkObjectIdentity({ id: ID, version: 1 }, { state: 'live', id: OTHER, name: 'acme', version: 1 }, ctx);
    expect(r).toMatchObject({ ok: false, reason: 'deleted' });
  });

  it('refuses an identity nobody knows, and a version that moved on', () => {
    expect(checkObjectIdentity({ id: ID }, { state: 'unknown' }, { ...ctx, surface: 'button' })).toEqual({
      ok: false,
      reason: 'unknown',
      message: '⚠️ This button was for a binding that no longer exists. Nothing was changed.',
    });
    expect(
      checkObjectIdentity({ id: ID, version: 2 }, { state: 'live', id: ID, name: 'acme', version: 3 }, ctx),
    ).toEqual({
      ok: false,
      reason: 'changed',
      message:
        '⚠️ This dialog was for version 2 of binding `acme`, which has been changed since (now version 3); open `/sip-setup acme` again. Nothing was changed.',
    });
  });

  it('shows a name without mrkdwn meaning', () => {
    const r = checkObjectIdentity(
      { id: ID },
      { state: 'deleted', id: ID, name: 'a`<!here>', deletedAt: '2026-01-01T00:00:00Z' },
      ctx,
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('`a!here`');
  });
});
