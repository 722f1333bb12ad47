import { readActual } from '../../../../src/features/sip-setup/livekit-state';
import { individual, rule, trunk } from '../../../support/builders';
import { fakeLiveKit, outbound, UNREACHABLE } from './fakes';

describe('readActual', () => {
  it('asks LiveKit for exactly the binding’s IDs and returns what it holds', async () => {
    const { gateway, state } = fakeLiveKit({
      inbound: [trunk('ST_in'), trunk('ST_other')],
      rules: [rule('SDR_r', individual('x-'))],
      outbound: [outbound('ST_out')],
    });
    const r = await readActual(gateway, {
      inboundTrunkId: 'ST_in',
      dispatchRuleId: 'SDR_r',
      outboundTrunkId: 'ST_out',
    });
    expect(r).toEqual({
      ok: true,
      value: { inbound: trunk('ST_in'), rule: rule('SDR_r', individual('x-')), outbound: outbound('ST_out') },
    });
    expect(state.asked).toEqual([
      ['inbound', ['ST_in']],
      ['rules', ['SDR_r']],
      ['outbound', ['ST_out']],
    ]);
  });

  it('a resource gone from LiveKit, or an ID the binding lacks, reads as undefined without asking', async () => {
    const { gateway, state } = fakeLiveKit({ inbound: [trunk('ST_in')] });
    const r = await readActual(gateway, { inboundTrunkId: 'ST_in', dispatchRuleId: 'SDR_gone' });
    expect(r).toEqual({ ok: true, value: { inbound: trunk('ST_in'), rule: undefined, outbound: undefined } });
    expect(state.asked.map(([what]) => what)).toEqual(['inbound', 'rules']);
  });

  it('a failed read says why', async () => {
    const { gateway } = fakeLiveKit({ rules: UNREACHABLE });
    const r = await readActual(gateway, { inboundTrunkId: 'ST_in', dispatchRuleId: 'SDR_r' });
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/reach/i) });
  });
});
