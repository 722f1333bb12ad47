import type { ImportArgs } from '../../../../src/domain/import-args';
import { prepareAdoption } from '../../../../src/features/sip-setup/import';
import { individual, rule, trunk } from '../../../support/builders';
import { bindingSpec } from '../../../support/fixtures';
import { binding, fakeBindings, fakeLiveKit, outbound, UNREACHABLE } from './fakes';

const args: ImportArgs = {
  name: 'lk-acme',
  inboundTrunkId: 'ST_in',
  dispatchRuleId: 'SDR_r',
  outboundTrunkId: 'ST_out',
  livekitSipHost: 'sip.acme.example',
  reportChannel: 'COPS0001',
};
const inbound = trunk('ST_in', { numbers: ['+14155550100'] });
const goodRule = (over = {}) => rule('SDR_r', individual('call-'), { trunkIds: ['ST_in'], agents: ['bob'], ...over });

function prepare(lk: Parameters<typeof fakeLiveKit>[0], bindings = fakeBindings([])) {
  return prepareAdoption({ livekit: fakeLiveKit(lk).gateway, repos: bindings }, args);
}

describe('prepareAdoption', () => {
  it('resources that fit become a spec with the typed host and channel, and a plan that tags them', async () => {
    const r = await prepare({ inbound: [inbound], rules: [goodRule()], outbound: [outbound('ST_out')] });
    expect(r).toMatchObject({
      ok: true,
      spec: {
        name: 'lk-acme',
        dids: ['+14155550100'],
        agentName: 'bob',
        livekitSipHost: 'sip.acme.example',
        reportChannel: 'COPS0001',
      },
      notes: [],
    });
    if (r.ok)
      expect(r.steps.map((s) => [s.op, s.resource])).toEqual([
        ['update', 'inbound'],
        ['update', 'rule'],
        ['update', 'outbound'],
      ]);
  });

  it('an agent name the form would refuse is refused, escaped, and nothing is planned', async () => {
    const r = await prepare({
      inbound: [inbound],
      rules: [goodRule({ agents: ['<!channel>'] })],
      outbound: [outbound('ST_out')],
    });
    expect(r).toEqual({ ok: false, text: expect.stringContaining('agent name (the dispatch rule) does not pass') });
    if (!r.ok) expect(r.text).not.toContain('<!channel>');
  });

  it('a room prefix or trunk address the form would refuse is refused', async () => {
    const prefix = await prepare({
      inbound: [inbound],
      rules: [goodRule({ rule: individual('call/') })],
      outbound: [outbound('ST_out')],
    });
    expect(prefix).toEqual({ ok: false, text: expect.stringContaining('room prefix') });
    const address = await prepare({
      inbound: [inbound],
      rules: [goodRule()],
      outbound: [outbound('ST_out', { address: 'acme_bad.example' })],
    });
    expect(address).toEqual({ ok: false, text: expect.stringContaining('trunk domain') });
  });

  it('names what LiveKit does not hold, and says when it cannot be read', async () => {
    const missing = await prepare({ inbound: [inbound], rules: [], outbound: [] });
    expect(missing).toEqual({
      ok: false,
      text: expect.stringMatching(/Not found in LiveKit: dispatch rule `SDR_r`, outbound trunk `ST_out`/),
    });
    const down = await prepare({ inbound: UNREACHABLE });
    expect(down).toEqual({ ok: false, text: expect.stringMatching(/^❌ Could not read LiveKit/) });
  });

  it('resources another binding owns are refused', async () => {
    const owner = binding(bindingSpec({ name: 'acme-us' }), { resources: { dispatchRuleId: 'SDR_r' } });
    const r = await prepare(
      { inbound: [inbound], rules: [goodRule()], outbound: [outbound('ST_out')] },
      fakeBindings([owner]),
    );
    expect(r).toEqual({
      ok: false,
      text: expect.stringContaining('Binding `acme-us` already owns some of these resources'),
    });
  });

  it('warnings are kept as notes for the result message', async () => {
    const r = await prepare({
      inbound: [inbound],
      rules: [goodRule({ agents: ['bob', 'carol'] })],
      outbound: [outbound('ST_out')],
    });
    expect(r).toMatchObject({ ok: true, notes: ['*Imported with notes:*', expect.stringMatching(/^⚠️ .*2 agents/)] });
  });
});
