import {
  SHUTDOWN_BEFORE_DIALING,
  testCallDiagnosisContext,
  testCallEndReason,
  testCallRecord,
  testCallVerdict,
  type TestCallFacts,
  type TestCallTarget,
} from '../../../src/domain/test-call-record';

const target: TestCallTarget = {
  binding: 'acme-us',
  number: '+14155550100',
  timeoutSec: 30,
  actor: 'UTESTER1',
  channel: 'CSUPPORT1',
  callerId: '+14155550999',
  trunkDomain: 'acme.pstn.sinch.com',
  roomName: 'sipops-test-acme-us-ab12cd34',
};

const binding = {
  name: 'acme-us',
  trunkDomain: 'acme.pstn.sinch.com',
  transport: 'tls' as const,
  callerId: '+14155550999',
  livekitSipHost: 'sip.example.com',
};
const ctx = testCallDiagnosisContext(binding, target);

const T0 = new Date('2025-01-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

function facts(over: Partial<TestCallFacts> = {}): TestCallFacts {
  return {
    id: 'call-1',
    target,
    verdict: testCallVerdict({ answered: true, setupMs: 1234.6, totalMs: 4567.4 }, { timeoutSec: 30, ctx }),
    startedAt: T0,
    answeredAt: at(1235),
    endedAt: at(4600),
    aborted: false,
    posted: { channel: 'CSUPPORT1', ts: '1700000000.000100' },
    cleanupProblems: [],
    ...over,
  };
}

describe('testCallDiagnosisContext', () => {
  it('takes the stored binding', () => {
    expect(ctx).toEqual({
      bindingName: 'acme-us',
      trunkDomain: 'acme.pstn.sinch.com',
      transport: 'tls',
      callerId: '+14155550999',
      livekitSipHost: 'sip.example.com',
    });
  });

  it('falls back to what the plan knows when the binding is gone (UDP, no SIP host)', () => {
    expect(testCallDiagnosisContext(undefined, target)).toEqual({
      bindingName: 'acme-us',
      trunkDomain: 'acme.pstn.sinch.com',
      transport: 'udp',
      callerId: '+14155550999',
      livekitSipHost: '',
    });
  });
});

describe('testCallVerdict', () => {
  it('an answered call: SIP 200 with its setup time', () => {
    expect(testCallVerdict({ answered: true, setupMs: 900, totalMs: 4000 }, { timeoutSec: 30, ctx })).toEqual({
      outcome: 'answered',
      sipStatus: 200,
      sipReason: 'OK',
      summary: 'answered',
      controlPlane: false,
      setupMs: 900,
      totalMs: 4000,
    });
  });

  it('a failed call is diagnosed in the binding context, with the ringing timeout of the plan', () => {
    const v = testCallVerdict(
      { answered: false, failure: { kind: 'ringing-timeout', message: 'sip request timed out' }, totalMs: 30_050 },
      { timeoutSec: 30, ctx },
    );
    expect(v).toMatchObject({ outcome: 'no-answer', summary: 'no answer within 30 s', setupMs: null, totalMs: 30_050 });
    expect(v.diagnosis?.headline).toBe('No answer');
  });

  it('shutdown before dialing is a LiveKit-side failure, not a SIP response', () => {
    const v = testCallVerdict(
      { answered: false, failure: SHUTDOWN_BEFORE_DIALING, totalMs: 1 },
      { timeoutSec: 30, ctx },
    );
    expect(v).toMatchObject({ outcome: 'failed', sipStatus: null, controlPlane: true, failure: { kind: 'server' } });
  });
});

describe('testCallEndReason', () => {
  it('shutdown wins; otherwise hung up by SIP Ops or the failure summary', () => {
    const answered = facts().verdict;
    const busy = testCallVerdict(
      {
        answered: false,
        failure: { kind: 'sip-status', sipStatus: 486, reason: 'Busy Here', httpStatus: 486, message: 'x' },
        totalMs: 10,
      },
      { timeoutSec: 30, ctx },
    );
    expect(testCallEndReason(answered, false)).toBe('hung-up-by-sip-ops');
    expect(testCallEndReason(answered, true)).toBe('shutdown');
    expect(testCallEndReason(busy, false)).toBe('SIP 486 Busy Here');
    expect(testCallEndReason(busy, true)).toBe('shutdown');
  });
});

describe('testCallRecord', () => {
  it('an answered call: times as ISO, durations rounded, the thread parent as the Slack reference', () => {
    expect(testCallRecord(facts())).toEqual({
      id: 'call-1',
      direction: 'test',
      bindingName: 'acme-us',
      roomName: 'sipops-test-acme-us-ab12cd34',
      caller: '+14155550999',
      callee: '+14155550100',
      actor: 'UTESTER1',
      startedAt: '2025-01-01T10:00:00.000Z',
      answeredAt: '2025-01-01T10:00:01.235Z',
      endedAt: '2025-01-01T10:00:04.600Z',
      sipStatus: 200,
      outcome: 'answered',
      endReason: 'hung-up-by-sip-ops',
      setupMs: 1235,
      durationMs: 4567,
      slackChannel: 'CSUPPORT1',
      slackTs: '1700000000.000100',
      detail: { summary: 'answered', timeoutSec: 30, controlPlane: false },
    });
  });

  it('a failed call carries the diagnosis and the failure; no answer time, no setup time', () => {
    const verdict = testCallVerdict(
      {
        answered: false,
        failure: {
          kind: 'sip-status',
          sipStatus: 403,
          reason: 'Forbidden',
          httpStatus: 403,
          message: 'SIP call failed',
        },
        totalMs: 80.4,
      },
      { timeoutSec: 30, ctx },
    );
    const r = testCallRecord(facts({ verdict, answeredAt: undefined }));
    expect(r).toMatchObject({
      answeredAt: null,
      sipStatus: 403,
      outcome: 'failed',
      endReason: 'SIP 403 Forbidden',
      setupMs: null,
      durationMs: 80,
    });
    expect(r.detail).toEqual({
      summary: 'SIP 403 Forbidden',
      timeoutSec: 30,
      controlPlane: false,
      diagnosis: verdict.diagnosis?.headline,
      severity: verdict.diagnosis?.severity,
      failureKind: 'sip-status',
      failure: 'SIP call failed',
    });
    expect(r.detail.diagnosis).toEqual(expect.stringContaining('Sinch refused the call'));
  });

  it('without a thread parent: the requested channel, no ts, and the Slack error that forced the fallback', () => {
    const r = testCallRecord(facts({ posted: undefined, slackFallback: 'not_in_channel' }));
    expect(r).toMatchObject({ slackChannel: 'CSUPPORT1', slackTs: null, detail: { slackFallback: 'not_in_channel' } });
    expect(testCallRecord(facts({ posted: { channel: 'COTHER01', ts: '1.2' } }))).toMatchObject({
      slackChannel: 'COTHER01',
      slackTs: '1.2',
    });
  });

  it('cleanup problems and shutdown are recorded', () => {
    const r = testCallRecord(
      facts({ aborted: true, cleanupProblems: ['deleting room x failed (LiveKit unreachable)'] }),
    );
    expect(r.endReason).toBe('shutdown');
    expect(r.detail).toMatchObject({ cleanupProblems: ['deleting room x failed (LiveKit unreachable)'] });
    expect(testCallRecord(facts()).detail).not.toHaveProperty('cleanupProblems');
    expect(testCallRecord(facts()).detail).not.toHaveProperty('slackFallback');
  });
});
