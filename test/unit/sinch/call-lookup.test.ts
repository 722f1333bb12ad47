import { estCallNote } from '../../../src/domain/est-call-record';
import { findEstCallRecord, numberDigits } from '../../../src/sinch/call-lookup';
import { startPair, type Pair } from './harness';

describe('EST record of a test call', () => {
  let p: Pair;
  beforeEach(async () => {
    p = await startPair();
  });
  afterEach(async () => {
    await p.emu.stop();
  });

  const window = () => ({ after: new Date(p.clock.t - 60_000), before: new Date(p.clock.t + 60_000) });

  it('finds the call EST refused by destination and time window, and the verdict cites it', async () => {
    const trunk = await p.client.gateway.createTrunk({ name: 't', hostName: 'acme' });
    p.emu.addCall({
      from: '+14155550100',
      to: '+442071838750',
      direction: 'outbound',
      callResult: 'FAILED',
      createTime: new Date(p.clock.t).toISOString(),
      durationSeconds: 0,
      trunkId: trunk.id,
      callId: 'CALL-403',
    });
    p.emu.addCall({
      from: '+14155550100',
      to: '+15550000000',
      direction: 'outbound',
      callResult: 'COMPLETED',
      createTime: new Date(p.clock.t).toISOString(),
      durationSeconds: 9,
      trunkId: trunk.id,
    });
    const rec = await findEstCallRecord(
      p.client.gateway,
      { to: '+442071838750', from: '+14155550100', ...window() },
      { polls: 2, intervalMs: 1, sleep: async () => undefined },
    );
    expect(rec?.callId).toBe('CALL-403');
    expect(estCallNote(rec)).toMatch(/^EST refused it \(FAILED, EST call CALL-403\)/);
  });

  it('waits a bounded number of polls, then says EST has no record', async () => {
    let sleeps = 0;
    const rec = await findEstCallRecord(
      p.client.gateway,
      { to: '+442071838750', ...window() },
      { polls: 3, intervalMs: 1, sleep: async () => void sleeps++ },
    );
    expect(rec).toBeUndefined();
    expect(sleeps).toBe(2);
    expect(p.emu.requests.filter((r) => r === 'GET /calls')).toHaveLength(3);
    expect(estCallNote(rec)).toBe(
      'EST has no record of this call: the INVITE never reached Sinch (network, DNS or the trunk domain).',
    );
  });

  it('matches the caller however EST writes it: with or without "+", or as a SIP URI', async () => {
    expect(numberDigits('+14155550100')).toBe('14155550100');
    expect(numberDigits('14155550100')).toBe('14155550100');
    expect(numberDigits('sip:14155550100@203.0.113.7')).toBe('14155550100');
    expect(numberDigits('sips:+14155550100@acme.pstn.sinch.com;transport=tls')).toBe('14155550100');
    p.emu.addCall({
      from: 'sip:14155550100@203.0.113.7',
      to: '442071838750',
      direction: 'outbound',
      callResult: 'FAILED',
      createTime: new Date(p.clock.t).toISOString(),
      durationSeconds: 0,
      trunkId: 'T',
      callId: 'CALL-URI',
    });
    p.emu.addCall({
      from: '+14155550199',
      to: '+442071838750',
      direction: 'outbound',
      callResult: 'COMPLETED',
      createTime: new Date(p.clock.t + 1000).toISOString(),
      durationSeconds: 3,
      trunkId: 'T',
    });
    const rec = await findEstCallRecord(
      p.client.gateway,
      { to: '+442071838750', from: '+14155550100', ...window() },
      { polls: 1, intervalMs: 1, sleep: async () => undefined },
    );
    expect(rec?.callId).toBe('CALL-URI');
  });
});
