import {
  formatLoopbackTimings,
  isLoopbackLeg,
  loopbackDid,
  loopbackFinding,
  loopbackVerdict,
  parseDailySet,
  parseLoopbackText,
  withDaily,
  type LoopbackContext,
  type LoopbackObservation,
} from '../../../src/domain/loopback';

const ctx: LoopbackContext = {
  binding: {
    name: 'acme',
    agentName: 'support-agent',
    livekitSipHost: 'sip.example.org',
    transport: 'udp',
    trunkDomain: 'acme.pstn.sinch.com',
    inboundTrunkId: 'ST_in',
    dispatchRuleId: 'SDR_rule',
  },
  did: '+14155550100',
  callerId: '+14155550199',
  timeoutSec: 30,
  diagnosis: { bindingName: 'acme', trunkDomain: 'acme.pstn.sinch.com', callerId: '+14155550199' },
};

const passing: LoopbackObservation = {
  answeredMs: 400,
  inbound: {
    seenMs: 120,
    room: 'support_+14155550199_x',
    trunkId: 'ST_in',
    ruleId: 'SDR_rule',
    callId: 'SCL_in',
    called: '+14155550100',
  },
  agentJoinedMs: 350,
  tracks: { outboundMs: 410, inboundMs: 405, agentMs: 360 },
  totalMs: 900,
};

describe('loopback: parsing and the DID guard', () => {
  it('parses `<binding> loopback [did]` and leaves other text to the test-call parser', () => {
    expect(parseLoopbackText('Acme loopback')).toEqual({ ok: true, value: { binding: 'acme' } });
    expect(parseLoopbackText('acme loopback +1 415 555 0100')).toEqual({
      ok: true,
      value: { binding: 'acme', did: '+14155550100' },
    });
    expect(parseLoopbackText('acme loopback <tel:+14155550100|+1 415 555 0100>')).toEqual({
      ok: true,
      value: { binding: 'acme', did: '+14155550100' },
    });
    expect(parseLoopbackText('acme loopback nonsense')).toMatchObject({ ok: false });
    expect(parseLoopbackText('acme +14155550100')).toBeUndefined();
  });

  it("dials only the binding's own DIDs: the first by default, a named one when it is the binding's", () => {
    const b = { name: 'acme', dids: ['+14155550100', '+14155550101'] };
    expect(loopbackDid(b, undefined)).toEqual({ ok: true, did: '+14155550100' });
    expect(loopbackDid(b, '+14155550101')).toEqual({ ok: true, did: '+14155550101' });
    expect(loopbackDid(b, '+14155559999')).toMatchObject({
      ok: false,
      error: expect.stringContaining('not a DID of `acme`'),
    });
  });
});

describe('loopback: claiming the inbound leg', () => {
  const exp = { callerId: '+14155550199', did: '+14155550100', placedAtMs: 1000, windowMs: 5000 };
  it('matches the caller ID within the window, never the outbound leg itself nor a hidden number', () => {
    const leg = {
      room: 'r',
      identity: 'sip_+14155550199',
      phoneNumber: '+14155550199',
      trunkPhoneNumber: '+14155550100',
      callId: 'SCL_in',
      atMs: 1500,
    };
    expect(isLoopbackLeg(exp, leg)).toBe(true);
    expect(isLoopbackLeg(exp, { ...leg, phoneNumber: '+14155557777' })).toBe(false);
    expect(isLoopbackLeg(exp, { ...leg, atMs: 999 })).toBe(false);
    expect(isLoopbackLeg(exp, { ...leg, atMs: 6001 })).toBe(false);
    expect(isLoopbackLeg(exp, { ...leg, outboundCallIds: ['SCL_in'] })).toBe(false);
    const { phoneNumber: _hidden, ...hidden } = leg;
    expect(isLoopbackLeg(exp, hidden)).toBe(false);
  });
});

describe('loopback: verdict per stage', () => {
  it('passes with every stage timed', () => {
    const v = loopbackVerdict(passing, ctx);
    expect(v).toMatchObject({ ok: true, summary: 'loopback passed', causes: [] });
    expect(v.timings).toEqual({ answerMs: 400, postDialMs: 120, agentMs: 230, tracksMs: 410, totalMs: 900 });
    expect(v.stages.map((s) => [s.stage, s.ok, s.atMs])).toEqual([
      ['dial', true, 0],
      ['inbound', true, 120],
      ['routing', true, 120],
      ['agent', true, 350],
      ['answer', true, 400],
      ['tracks', true, 410],
    ]);
    expect(formatLoopbackTimings(v.timings)).toBe(
      'answer 400 ms · post-dial 120 ms · agent 230 ms · tracks 410 ms · total 900 ms',
    );
  });

  it('outbound refused (SIP 403, nothing came in): the dial stage fails with the test call SIP diagnosis', () => {
    const v = loopbackVerdict(
      {
        dialFailure: { kind: 'sip-status', sipStatus: 403, reason: 'Forbidden', httpStatus: 403, message: 'forbidden' },
        tracks: {},
        totalMs: 80,
      },
      ctx,
    );
    expect(v).toMatchObject({ ok: false, failedStage: 'dial' });
    expect(v.diagnosis?.headline).toBeTruthy();
    expect(v.causes[0]).toBe(v.diagnosis!.cause);
    expect(v.stages.filter((s) => s.ok)).toEqual([]);
  });

  it('no inbound leg (404 or no answer): EST routes the DID elsewhere — number assignment and endpoint, with EST evidence when given', () => {
    const obs: LoopbackObservation = {
      dialFailure: { kind: 'sip-status', sipStatus: 404, reason: 'Not Found', httpStatus: 404, message: 'nf' },
      tracks: {},
      totalMs: 200,
    };
    const v = loopbackVerdict(obs, { ...ctx, estEvidence: ['EST call record: routed to sip:other.example'] });
    expect(v.failedStage).toBe('inbound');
    expect(v.causes.join('\n')).toContain('assigned to the EST trunk `acme.pstn.sinch.com`');
    expect(v.causes.join('\n')).toContain('`sip.example.org:5060/UDP`');
    expect(v.causes).toContain('EST call record: routed to sip:other.example');
    expect(
      loopbackVerdict(
        { dialFailure: { kind: 'ringing-timeout', message: 'sip request timed out' }, tracks: {}, totalMs: 200 },
        ctx,
      ).failedStage,
    ).toBe('inbound');
    expect(v.stages.map((s) => s.ok)).toEqual([true, false, false, false, false, false]);
  });

  it('unexpected trunk and rule: names the conflicting trunk, its binding, and the rule', () => {
    const obs = {
      ...passing,
      inbound: { ...passing.inbound!, trunkId: 'ST_other', ruleId: 'SDR_other', room: 'sales' },
    };
    const v = loopbackVerdict(obs, {
      ...ctx,
      landedOn: { trunkName: 'sales-in', ruleName: 'sales-rule', ownerBinding: 'sales' },
    });
    expect(v.failedStage).toBe('routing');
    expect(v.causes.join('\n')).toContain('`ST_other` (sales-in, binding `sales`)');
    expect(v.causes.join('\n')).toContain('`SDR_other` (sales-rule)');
    expect(v.causes.join('\n')).toContain('room `sales`');
  });

  it("no agent: the watchdog's checks", () => {
    const { agentJoinedMs: _a, answeredMs: _b, ...rest } = passing;
    const v = loopbackVerdict(
      { ...rest, dialFailure: { kind: 'ringing-timeout', message: 'sip request timed out' }, tracks: {} },
      ctx,
    );
    expect(v.failedStage).toBe('agent');
    expect(v.causes.join('\n')).toContain('agent_name="support-agent"');
    expect(v.timings.postDialMs).toBe(120);
  });

  it('agent joined but never answered, and missing tracks, are their own stages', () => {
    const { answeredMs: _b, ...noAnswer } = passing;
    expect(loopbackVerdict(noAnswer, ctx).failedStage).toBe('answer');
    expect(loopbackVerdict({ ...passing, tracks: { outboundMs: 410, agentMs: 360 } }, ctx).failedStage).toBe('tracks');
  });
});

describe('loopback: daily health run finding', () => {
  it('passes with the stage timings, fails with the diagnosis, warns when none ran yet', () => {
    const timings = { answerMs: 400, postDialMs: 120, agentMs: 230, tracksMs: 410, totalMs: 900 };
    expect(
      loopbackFinding('acme', { outcome: 'passed', startedAt: '2026-12-02T06:00:00.000Z', detail: { timings } }),
    ).toEqual({
      check: 'loopback.daily',
      status: 'pass',
      title: 'Loopback passed',
      evidence:
        '2026-12-02T06:00:00.000Z: answer 400 ms · post-dial 120 ms · agent 230 ms · tracks 410 ms · total 900 ms.',
    });
    const failed = loopbackFinding('acme', {
      outcome: 'failed',
      startedAt: 'T',
      detail: {
        timings: { ...timings, answerMs: null },
        summary: 'loopback failed at "inbound leg seen in LiveKit": the DID was not routed back to LiveKit',
        causes: ['no call came back', 'assign the number'],
      },
    });
    expect(failed).toMatchObject({
      status: 'fail',
      title: 'Loopback failed: "inbound leg seen in LiveKit": the DID was not routed back to LiveKit',
      nextStep: 'assign the number',
    });
    expect(failed.evidence).toContain('no call came back');
    expect(loopbackFinding('acme', undefined)).toMatchObject({ status: 'warn' });
  });

  it('the daily set: on adds once, off removes, garbage reads as empty', () => {
    expect(withDaily(withDaily([], 'b', true), 'a', true)).toEqual(['a', 'b']);
    expect(withDaily(['a', 'b'], 'a', false)).toEqual(['b']);
    expect(withDaily(['a'], 'a', true)).toEqual(['a']);
    expect(parseDailySet('{oops')).toEqual([]);
    expect(parseDailySet('["a",1]')).toEqual(['a']);
  });
});
