import { failedVerdict } from '../../../../src/domain/test-call';
import { decodeAgain, encodeAgain } from '../../../../src/features/test-call/buttons';
import { refusalText, resultMessage, type CallPlan } from '../../../../src/features/test-call/messages';

const ctx = {
  bindingName: 'acme-us',
  trunkDomain: 'acme.pstn.sinch.com',
  transport: 'udp',
  callerId: '+14155550100',
  livekitSipHost: 'sip.example.com',
};

describe('messages', () => {
  const plan: CallPlan = {
    callId: '6f1c2d3e-0000-4000-8000-000000000001',
    bindingId: '0b1d2e3f-0000-4000-8000-000000000002',
    binding: 'acme-us',
    number: '+14155550100',
    timeoutSec: 45,
    actor: 'UTESTER1',
    channel: 'CSUPPORT1',
    callerId: '+14155550999',
    trunkDomain: 'acme.pstn.sinch.com',
    outboundTrunkId: 'ST_abc',
    roomName: 'sipops-test-acme-us-1',
    identity: 'sipops-test-1',
    holdMs: 3000,
    delayMs: 0,
  };

  it('the Call again value round-trips and rejects junk', () => {
    expect(decodeAgain(encodeAgain(plan))).toEqual({
      b: 'acme-us',
      n: '+14155550100',
      t: 45,
      bi: plan.bindingId,
      c: plan.callId,
    });
    expect(decodeAgain('{"b":"acme-us","n":"+14155550100","t":45}')).toBeUndefined(); // no identities: an older button
    expect(decodeAgain('{"b":1}')).toBeUndefined();
    expect(decodeAgain('nope')).toBeUndefined();
    expect(decodeAgain(undefined)).toBeUndefined();
  });

  it('the result carries measurements, the diagnosis and both buttons; peer text is escaped', () => {
    const v = failedVerdict(
      { kind: 'sip-status', sipStatus: 403, reason: '<!channel> go away', httpStatus: 403, message: 'x' },
      { timeoutSec: 45, ctx, totalMs: 80 },
    );
    const msg = resultMessage(plan, v);
    const json = JSON.stringify(msg);
    expect(json).not.toContain('<!channel>');
    expect(msg.text).toBe(
      'Test call via acme-us to +14155550100: failed (SIP 403 Forbidden) — Sinch refused the call (SIP 403 Forbidden)',
    );
    const actions = msg.blocks?.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        {
          action_id: 'test_call_again',
          value: JSON.stringify({ b: 'acme-us', n: '+14155550100', t: 45, bi: plan.bindingId, c: plan.callId }),
        },
        { action_id: 'test_call_loopback', value: JSON.stringify({ b: 'acme-us', bi: plan.bindingId, d: '' }) },
        { action_id: 'health_check_binding', value: JSON.stringify({ b: 'acme-us', bi: plan.bindingId }) },
      ],
    });
  });

  it('every refusal says why', () => {
    expect(refusalText({ code: 'channel', allowedChannels: ['CSUPPORT1'] })).toContain('<#CSUPPORT1>');
    expect(refusalText({ code: 'channel', allowedChannels: [] })).toContain('TEST_CALL_CHANNEL_IDS');
    expect(refusalText({ code: 'user' })).toContain('TEST_CALL_USER_IDS');
    expect(refusalText({ code: 'destination', number: '+4930123456', allowedPrefixes: ['+1'] })).toContain(
      'TEST_CALL_ALLOWED_PREFIXES',
    );
    expect(refusalText({ code: 'in-flight', binding: 'acme', user: 'UX1', number: '+1', sinceMs: 0 })).toContain(
      'already in progress',
    );
    expect(refusalText({ code: 'user-rate', max: 5, windowMs: 600_000, retryAfterMs: 120_000 })).toBe(
      '🚫 You have placed 5 test calls in the last 10 min, the most allowed. Try again in 2 min.',
    );
    expect(
      refusalText({ code: 'binding-rate', binding: 'acme', max: 10, windowMs: 600_000, retryAfterMs: 5_000 }),
    ).toContain('in 5 s');
    expect(
      refusalText({ code: 'trunk-rate', trunkDomain: 'acme.pstn.sinch.com', gapMs: 1000, retryAfterMs: 700 }),
    ).toContain('1 call per second');
  });
});
