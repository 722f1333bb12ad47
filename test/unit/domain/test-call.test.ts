import type { LiveKitFailure } from '../../../src/domain/livekit-failure';
import {
  answeredVerdict,
  failedVerdict,
  formatDuration,
  parseTestCallText,
  testRoomName,
} from '../../../src/domain/test-call';

const ctx = {
  bindingName: 'acme-us',
  trunkDomain: 'acme.pstn.sinch.com',
  transport: 'udp',
  callerId: '+14155550100',
  livekitSipHost: 'sip.example.com',
};

describe('parseTestCallText', () => {
  it.each<[string, string, string, number]>([
    ['acme +14155550100', 'acme', '+14155550100', 45],
    ['ACME +1 (415) 555-0100', 'acme', '+14155550100', 45],
    ['acme +1 415 555 0100 30', 'acme', '+14155550100', 30],
    ['acme +1.415.555.0100 30s', 'acme', '+14155550100', 30],
    ['acme 0044 20 7946 0958 timeout=75', 'acme', '+442079460958', 75],
    ['acme +44 (0)20 7946 0958', 'acme', '+442079460958', 45],
    ['  acme   tel:+14155550100   5 ', 'acme', '+14155550100', 5],
    ['acme <tel:+14155550100|+1 415 555 0100> 60', 'acme', '+14155550100', 60],
  ])('%s', (text, binding, number, timeoutSec) => {
    expect(parseTestCallText(text)).toEqual({ ok: true, value: { binding, number, timeoutSec } });
  });

  it('explains what is wrong', () => {
    expect(parseTestCallText('')).toMatchObject({ ok: false, problem: 'usage' });
    expect(parseTestCallText('acme')).toMatchObject({ ok: false, problem: 'usage' });
    expect(parseTestCallText('acme 4155550100')).toMatchObject({
      ok: false,
      problem: 'number',
      error: expect.stringContaining('country code'),
    });
    expect(parseTestCallText('acme +14155550100 4')).toMatchObject({
      ok: false,
      problem: 'timeout',
      error: expect.stringContaining('5 to 75'),
    });
    expect(parseTestCallText('acme +14155550100 76')).toMatchObject({ ok: false, problem: 'timeout' });
    expect(parseTestCallText('acme +14155550100 timeout=900')).toMatchObject({ ok: false, problem: 'timeout' });
    expect(parseTestCallText('acme abc 30s')).toMatchObject({ ok: false, problem: 'number' });
  });

  it('refuses destinations that cannot exist (too long or too short for their country, unknown country code)', () => {
    expect(parseTestCallText('acme +141501144770090')).toMatchObject({
      ok: false,
      problem: 'number',
      error: expect.stringContaining('too long for a number with country code +1'),
    });
    expect(parseTestCallText('acme +1 415 555 010')).toMatchObject({
      ok: false,
      problem: 'number',
      error: expect.stringContaining('too short'),
    });
    expect(parseTestCallText('acme +999 1234 5678')).toMatchObject({
      ok: false,
      problem: 'number',
      error: expect.stringContaining('country calling code'),
    });
  });
});

describe('verdicts', () => {
  const sip = (sipStatus: number, reason = ''): LiveKitFailure => ({
    kind: 'sip-status',
    sipStatus,
    reason,
    httpStatus: 403,
    message: 'SIP call failed',
  });

  it('answered', () => {
    expect(answeredVerdict({ setupMs: 120, totalMs: 3400 })).toEqual({
      outcome: 'answered',
      sipStatus: 200,
      sipReason: 'OK',
      summary: 'answered',
      controlPlane: false,
      setupMs: 120,
      totalMs: 3400,
    });
  });

  it.each<[number, string]>([
    [403, 'Sinch refused the call'],
    [401, 'Digest authentication failed'],
    [407, 'Digest authentication failed'],
    [404, 'Number or trunk domain not found'],
    [484, 'The dialled number is incomplete'],
    [408, 'No answer from Sinch in time'],
    [480, 'The callee is unavailable'],
    [486, 'The callee is busy'],
    [603, 'The call was declined'],
    [488, 'Media settings were refused'],
    [503, 'Service unavailable on the call path'],
  ])('SIP %i → failed with the diagnosis from diagnose()', (code, headline) => {
    const v = failedVerdict(sip(code), { timeoutSec: 45, ctx, totalMs: 80 });
    expect(v).toMatchObject({ outcome: 'failed', sipStatus: code, controlPlane: false, setupMs: null, totalMs: 80 });
    expect(v.summary).toMatch(new RegExp(`^SIP ${code} \\S`));
    expect(v.diagnosis?.headline).toContain(headline);
  });

  it('ringing timeout → no-answer; no response at all → failed (network)', () => {
    const t = failedVerdict(
      { kind: 'ringing-timeout', message: 'sip request timed out' },
      { timeoutSec: 30, ctx, totalMs: 30_000 },
    );
    expect(t).toMatchObject({ outcome: 'no-answer', sipStatus: null, summary: 'no answer within 30 s' });
    expect(t.diagnosis?.headline).toBe('No answer');
    const silent = failedVerdict(
      { kind: 'ringing-timeout', message: 'transaction failed to complete (0 intermediate responses)' },
      { timeoutSec: 30, ctx, totalMs: 32_000 },
    );
    expect(silent).toMatchObject({ outcome: 'failed', summary: 'no response from Sinch' });
    expect(silent.diagnosis?.severity).toBe('network');
  });

  it.each<[LiveKitFailure, string, string]>([
    [
      { kind: 'auth', reason: 'bad-credentials', message: 'invalid API key' },
      'LiveKit rejected SIP Ops',
      'LiveKit rejected the API key',
    ],
    [
      { kind: 'not-found', message: 'requested sip trunk does not exist' },
      'LiveKit: trunk not found',
      'LiveKit resource not found',
    ],
    [
      { kind: 'no-sip-service', message: 'no response from servers' },
      'LiveKit: no SIP service answered',
      'No LiveKit SIP service answered',
    ],
  ])('control-plane error %#: named as LiveKit, not SIP', (failure, summary, headline) => {
    const v = failedVerdict(failure, { timeoutSec: 45, ctx, totalMs: 10 });
    expect(v).toMatchObject({
      outcome: 'failed',
      controlPlane: true,
      sipStatus: null,
      summary: `${summary} (not a SIP response)`,
    });
    expect(v.diagnosis?.headline).toBe(headline);
  });

  it('formats durations and room names', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(45_000)).toBe('45.0 s');
    expect(testRoomName('acme-us', 'ab12cd34')).toBe('sipops-test-acme-us-ab12cd34');
  });
});
