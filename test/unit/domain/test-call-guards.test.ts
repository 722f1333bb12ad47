import {
  admit,
  checkDestination,
  checkPermission,
  DEFAULT_RATE_LIMITS,
  emptyGuardState,
  nextTrunkSlot,
  prune,
  release,
  trunkDomainKey,
  type CallRequest,
  type GuardState,
  type TestCallPolicy,
} from '../../../src/domain/test-call-guards';

const T0 = Date.parse('2025-01-01T10:00:00Z');
const at = (ms: number): Date => new Date(T0 + ms);

function policy(over: Partial<TestCallPolicy> = {}): TestCallPolicy {
  return {
    channelIds: ['CSUPPORT1'],
    adminUserIds: ['UADMIN01'],
    allowedPrefixes: ['+1', '+44'],
    limits: DEFAULT_RATE_LIMITS,
    ...over,
  };
}

function req(over: Partial<CallRequest> = {}): CallRequest {
  return {
    channelId: 'CSUPPORT1',
    userId: 'UTESTER1',
    binding: 'acme-us',
    trunkDomain: 'acme.pstn.sinch.com',
    number: '+14155550100',
    ...over,
  };
}

/** Admit and release at once (the call is over), returning the new state; fails the test on refusal. */
function callDone(state: GuardState, p: TestCallPolicy, r: CallRequest, when: Date): GuardState {
  const a = admit(state, p, r, when);
  if (!a.ok) throw new Error(`refused: ${a.refusal.code}`);
  return release(a.state, r.binding);
}

describe('checkPermission', () => {
  it('allows only listed channels', () => {
    expect(checkPermission(policy(), { channelId: 'CSUPPORT1', userId: 'UANY0001' })).toBeUndefined();
    expect(checkPermission(policy(), { channelId: 'COPS0001', userId: 'UANY0001' })).toEqual({
      code: 'channel',
      allowedChannels: ['CSUPPORT1'],
    });
    expect(checkPermission(policy({ channelIds: [] }), { channelId: 'CSUPPORT1', userId: 'UADMIN01' })).toMatchObject({
      code: 'channel',
    });
  });

  it('with TEST_CALL_USER_IDS unset anyone in an allowed channel may call', () => {
    expect(checkPermission(policy(), { channelId: 'CSUPPORT1', userId: 'URANDOM1' })).toBeUndefined();
  });

  it('with TEST_CALL_USER_IDS set only those users and admins may call', () => {
    const p = policy({ userIds: ['UTESTER1'] });
    expect(checkPermission(p, { channelId: 'CSUPPORT1', userId: 'UTESTER1' })).toBeUndefined();
    expect(checkPermission(p, { channelId: 'CSUPPORT1', userId: 'UADMIN01' })).toBeUndefined();
    expect(checkPermission(p, { channelId: 'CSUPPORT1', userId: 'UOTHER01' })).toEqual({ code: 'user' });
    // an empty list: nobody but admins
    expect(checkPermission(policy({ userIds: [] }), { channelId: 'CSUPPORT1', userId: 'UTESTER1' })).toEqual({
      code: 'user',
    });
  });

  it('admins are still bound to the allowed channels', () => {
    expect(checkPermission(policy(), { channelId: 'COPS0001', userId: 'UADMIN01' })).toMatchObject({ code: 'channel' });
  });
});

describe('checkDestination', () => {
  it('accepts numbers under an allowed prefix only', () => {
    expect(checkDestination('+14155550100', ['+1', '+44'])).toBeUndefined();
    expect(checkDestination('+442079460958', ['+1', '+44'])).toBeUndefined();
    expect(checkDestination('+4930123456', ['+1', '+44'])).toEqual({
      code: 'destination',
      number: '+4930123456',
      allowedPrefixes: ['+1', '+44'],
    });
    expect(checkDestination('+14155550100', ['+1415'])).toBeUndefined();
    expect(checkDestination('+12125550100', ['+1415'])).toMatchObject({ code: 'destination' });
  });

  it('allows nothing when no prefix is configured (and never a bare +)', () => {
    expect(checkDestination('+14155550100', [])).toMatchObject({ code: 'destination' });
    expect(checkDestination('+14155550100', ['+'])).toMatchObject({ code: 'destination' });
  });
});

describe('admit', () => {
  it('admits a first call, marks the binding busy and starts at once', () => {
    const a = admit(emptyGuardState(), policy(), req(), at(0));
    expect(a).toMatchObject({ ok: true, delayMs: 0, startAt: T0 });
    expect(a.state.inFlight.get('acme-us')).toEqual({ user: 'UTESTER1', number: '+14155550100', since: T0 });
  });

  it('refuses permission and destination problems before anything else, without counting them', () => {
    const p = policy();
    const s = emptyGuardState();
    expect(admit(s, p, req({ channelId: 'COPS0001' }), at(0))).toMatchObject({
      ok: false,
      refusal: { code: 'channel' },
    });
    expect(admit(s, p, req({ number: '+4930123456' }), at(0))).toMatchObject({
      ok: false,
      refusal: { code: 'destination' },
    });
    const r = admit(s, p, req({ number: '+4930123456' }), at(0));
    expect(r.state.attempts).toHaveLength(0);
  });

  it('allows one call in flight per binding', () => {
    const p = policy();
    const first = admit(emptyGuardState(), p, req(), at(0));
    expect(first.ok).toBe(true);
    const second = admit(first.state, p, req({ userId: 'UOTHER01', number: '+14155550199' }), at(5000));
    expect(second).toMatchObject({
      ok: false,
      refusal: { code: 'in-flight', binding: 'acme-us', user: 'UTESTER1', number: '+14155550100', sinceMs: T0 },
    });
    // another binding on another trunk is not affected
    expect(admit(first.state, p, req({ binding: 'beta', trunkDomain: 'beta.pstn.sinch.com' }), at(10))).toMatchObject({
      ok: true,
      delayMs: 0,
    });
    // after release the binding is free again
    expect(admit(release(first.state, 'acme-us'), p, req(), at(5000))).toMatchObject({ ok: true });
  });

  it('never starts two calls through one trunk domain less than 1 s apart, across bindings', () => {
    const p = policy();
    const a = admit(emptyGuardState(), p, req({ binding: 'one' }), at(0));
    expect(a).toMatchObject({ ok: true, delayMs: 0 });
    if (!a.ok) return;
    // same domain, other spelling, other binding, 200 ms later: queued to the next slot
    const b = admit(a.state, p, req({ binding: 'two', trunkDomain: 'ACME.pstn.sinch.com.' }), at(200));
    expect(b).toMatchObject({ ok: true, delayMs: 800, startAt: T0 + 1000 });
    if (!b.ok) return;
    const c = admit(b.state, p, req({ binding: 'three', userId: 'UOTHER01' }), at(300));
    expect(c).toMatchObject({ ok: true, startAt: T0 + 2000, delayMs: 1700 });
    if (!c.ok) return;
    const d = admit(c.state, p, req({ binding: 'four', userId: 'UOTHER02' }), at(300));
    expect(d).toMatchObject({ ok: true, startAt: T0 + 3000, delayMs: 2700 });
    if (!d.ok) return;
    // the queue would exceed maxQueueMs (3 s): refused with a retry time
    const e = admit(d.state, p, req({ binding: 'five', userId: 'UOTHER03' }), at(300));
    expect(e).toMatchObject({
      ok: false,
      refusal: { code: 'trunk-rate', trunkDomain: 'acme.pstn.sinch.com', gapMs: 1000, retryAfterMs: 700 },
    });
    // a different trunk domain is independent
    expect(
      admit(d.state, p, req({ binding: 'six', userId: 'UOTHER04', trunkDomain: 'other.pstn.sinch.com' }), at(300)),
    ).toMatchObject({ ok: true, delayMs: 0 });
  });

  it('a call after the gap starts at once', () => {
    const p = policy();
    const s = callDone(emptyGuardState(), p, req(), at(0));
    expect(admit(s, p, req(), at(1000))).toMatchObject({ ok: true, delayMs: 0 });
    expect(admit(s, p, req(), at(999))).toMatchObject({ ok: true, delayMs: 1 });
  });

  it('limits calls per user in a sliding window (admins too) and says when to retry', () => {
    const p = policy();
    let s = emptyGuardState();
    for (let i = 0; i < 5; i++)
      s = callDone(s, p, req({ binding: `b${i}`, trunkDomain: `d${i}.pstn.sinch.com` }), at(i * 60_000));
    const refused = admit(s, p, req({ binding: 'b9', trunkDomain: 'd9.pstn.sinch.com' }), at(5 * 60_000));
    expect(refused).toMatchObject({
      ok: false,
      refusal: { code: 'user-rate', max: 5, windowMs: 600_000, retryAfterMs: 300_000 },
    });
    // another user is not affected
    expect(
      admit(s, p, req({ userId: 'UOTHER01', binding: 'b9', trunkDomain: 'd9.pstn.sinch.com' }), at(5 * 60_000)).ok,
    ).toBe(true);
    // once the oldest call is 10 min old, one more fits
    expect(admit(s, p, req({ binding: 'b9', trunkDomain: 'd9.pstn.sinch.com' }), at(10 * 60_000)).ok).toBe(true);

    let admin = emptyGuardState();
    for (let i = 0; i < 5; i++) admin = callDone(admin, p, req({ userId: 'UADMIN01' }), at(i * 2000));
    expect(admit(admin, p, req({ userId: 'UADMIN01' }), at(20_000))).toMatchObject({
      ok: false,
      refusal: { code: 'user-rate' },
    });
  });

  it('limits calls per binding in a sliding window', () => {
    const p = policy({ limits: { ...DEFAULT_RATE_LIMITS, perUser: { max: 100, windowMs: 600_000 } } });
    let s = emptyGuardState();
    for (let i = 0; i < 10; i++) s = callDone(s, p, req({ userId: `U${i}AAAA` }), at(i * 2000));
    expect(admit(s, p, req({ userId: 'UNEW0001' }), at(30_000))).toMatchObject({
      ok: false,
      refusal: { code: 'binding-rate', binding: 'acme-us', max: 10, windowMs: 600_000, retryAfterMs: 570_000 },
    });
  });

  it('uses only the injected clock', () => {
    const p = policy();
    const s = callDone(emptyGuardState(), p, req(), at(0));
    // the same state, judged at two different "now"s
    expect(admit(s, p, req(), at(100)).ok && admit(s, p, req(), at(100))).toMatchObject({ delayMs: 900 });
    expect(admit(s, p, req(), at(60_000))).toMatchObject({ ok: true, delayMs: 0 });
  });
});

describe('state helpers', () => {
  it('prune drops attempts outside every window and keeps state identity when nothing changes', () => {
    const p = policy();
    const s = callDone(emptyGuardState(), p, req(), at(0));
    expect(prune(s, p.limits, T0 + 1000)).toBe(s);
    expect(prune(s, p.limits, T0 + 11 * 60_000).attempts).toEqual([]);
  });

  it('release is a no-op for a free binding and does not mutate the old state', () => {
    const s = emptyGuardState();
    expect(release(s, 'x')).toBe(s);
    const a = admit(s, policy(), req(), at(0));
    expect(s.inFlight.size).toBe(0);
    expect(release(a.state, 'acme-us').inFlight.size).toBe(0);
    expect(a.state.inFlight.size).toBe(1);
  });

  it('trunk domains are keyed case-insensitively without a trailing dot', () => {
    expect(trunkDomainKey(' Acme.PSTN.sinch.com. ')).toBe('acme.pstn.sinch.com');
    const a = admit(emptyGuardState(), policy(), req(), at(0));
    expect(nextTrunkSlot(a.state, 'ACME.pstn.sinch.com', DEFAULT_RATE_LIMITS, T0 + 10)).toBe(T0 + 1000);
  });
});
