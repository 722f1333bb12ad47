import type { Binding, BindingSpec } from '../../../src/domain/binding';
import { classifySipCaller, roomMatchesDispatch } from '../../../src/domain/inbound-match';
import { storedBinding } from '../../support/binding-builder';

function binding(name: string, over: Partial<Binding> = {}): Binding {
  const spec: BindingSpec = {
    name,
    trunkDomain: 'acme.pstn.sinch.com',
    dids: ['+14155550101'],
    callerId: '+14155550101',
    auth: { kind: 'acl' },
    transport: 'udp',
    livekitSipHost: 'sip.acme.example',
    dispatch: { kind: 'individual', roomPrefix: 'est-inbound-' },
    reportChannel: 'COPS0001',
  };
  return storedBinding(spec, {
    resources: { inboundTrunkId: `ST_in_${name}`, dispatchRuleId: `SDR_${name}`, outboundTrunkId: `ST_out_${name}` },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  });
}

const acme = binding('acme');
const globex = binding('globex', { dids: ['+442079460000'], dispatch: { kind: 'direct', roomName: 'globex-support' } });
const all = [acme, globex];

describe('tying an inbound call to its binding', () => {
  it('matches the inbound trunk first', () => {
    const c = classifySipCaller(
      { 'sip.trunkID': 'ST_in_globex', 'sip.ruleID': 'SDR_other', 'sip.trunkPhoneNumber': '+14155550101' },
      'x',
      all,
    );
    expect(c).toMatchObject({ kind: 'inbound', binding: { name: 'globex' }, matchedBy: 'trunk' });
  });

  it('then the dispatch rule, then the DID', () => {
    expect(classifySipCaller({ 'sip.trunkID': 'ST_unknown', 'sip.ruleID': 'SDR_acme' }, 'x', all)).toMatchObject({
      kind: 'inbound',
      binding: { name: 'acme' },
      matchedBy: 'rule',
    });
    expect(
      classifySipCaller(
        { 'sip.trunkID': 'ST_unknown', 'sip.ruleID': 'SDR_x', 'sip.trunkPhoneNumber': '+44 20 7946 0000' },
        'x',
        all,
      ),
    ).toMatchObject({
      kind: 'inbound',
      binding: { name: 'globex' },
      matchedBy: 'did',
    });
  });

  it('uses the room only when LiveKit named no trunk', () => {
    expect(classifySipCaller({ 'sip.ruleID': 'SDR_x' }, 'globex-support', all)).toMatchObject({
      kind: 'inbound',
      binding: { name: 'globex' },
      matchedBy: 'room',
    });
    expect(classifySipCaller({ 'sip.ruleID': 'SDR_x' }, 'est-inbound-_+15550100_abc', all)).toMatchObject({
      kind: 'inbound',
      binding: { name: 'acme' },
      matchedBy: 'room',
    });
    expect(
      classifySipCaller({ 'sip.trunkID': 'ST_foreign', 'sip.ruleID': 'SDR_x' }, 'est-inbound-_+15550100_abc', all),
    ).toEqual({
      kind: 'unbound',
      trunkKey: 'ST_foreign',
      trunkId: 'ST_foreign',
      ruleId: 'SDR_x',
    });
  });

  it('does not guess between bindings sharing a room prefix', () => {
    const twin = binding('twin', { dids: ['+14155550199'] });
    expect(classifySipCaller({ 'sip.ruleID': 'SDR_x' }, 'est-inbound-_+1_abc', [acme, twin])).toEqual({
      kind: 'unbound',
      trunkKey: 'rule:SDR_x',
      ruleId: 'SDR_x',
    });
  });

  it('recognises outbound SIP participants as not inbound', () => {
    expect(
      classifySipCaller({ 'sip.trunkID': 'ST_out_acme', 'sip.phoneNumber': '+15550100' }, 'test-call-1', all),
    ).toMatchObject({ kind: 'not-inbound' });
    expect(classifySipCaller({ 'sip.trunkID': 'ST_somebody_elses_outbound' }, 'x', all)).toMatchObject({
      kind: 'not-inbound',
    });
    expect(classifySipCaller({}, 'x', all)).toMatchObject({ kind: 'not-inbound' });
  });

  it('matches rooms made by each dispatch kind', () => {
    expect(roomMatchesDispatch({ kind: 'individual', roomPrefix: 'est-inbound-' }, 'est-inbound-_+1_x')).toBe(true);
    expect(roomMatchesDispatch({ kind: 'individual', roomPrefix: 'est-inbound-' }, 'est-inbound-x')).toBe(false);
    expect(roomMatchesDispatch({ kind: 'callee', roomPrefix: 'c' }, 'c_+1415')).toBe(true);
    expect(roomMatchesDispatch({ kind: 'individual', roomPrefix: '' }, '+1415')).toBe(false);
    expect(roomMatchesDispatch({ kind: 'direct', roomName: 'r' }, 'r')).toBe(true);
    expect(roomMatchesDispatch({ kind: 'direct', roomName: 'r' }, 'r_1')).toBe(false);
  });
});
