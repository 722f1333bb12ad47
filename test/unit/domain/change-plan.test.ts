import type { Binding, BindingSpec } from '../../../src/domain/binding';
import {
  desiredInbound,
  desiredOutbound,
  desiredRule,
  driftOf,
  expectedRoomPattern,
  specFromResources,
} from '../../../src/domain/binding-resources';
import { planCreate, planDelete, planUpdate, resourcesAfter } from '../../../src/domain/change-plan';
import type { DispatchRule, InboundTrunk, OutboundTrunk } from '../../../src/domain/livekit-model';
import { storedBinding } from '../../support/binding-builder';

const spec: BindingSpec = {
  name: 'acme',
  trunkDomain: 'acme.pstn.sinch.com',
  dids: ['+14155550100'],
  callerId: '+14155550100',
  auth: { kind: 'acl' },
  transport: 'udp',
  livekitSipHost: 'sip.example.com',
  dispatch: { kind: 'individual', roomPrefix: 'est-inbound-' },
  agentName: 'bot',
  reportChannel: 'C0000001',
};
const ids = { inboundTrunkId: 'ST_in', dispatchRuleId: 'SDR_r', outboundTrunkId: 'ST_out' };
const binding: Binding = storedBinding(spec, {
  resources: ids,
  createdBy: 'U',
  createdAt: '',
  updatedBy: 'U',
  updatedAt: '',
});

function actualOf(s: BindingSpec) {
  const inbound: InboundTrunk = {
    id: 'ST_in',
    allowedAddresses: [],
    allowedNumbers: [],
    hasAuth: false,
    ...desiredInbound(s),
  };
  const rule: DispatchRule = {
    id: 'SDR_r',
    inboundNumbers: [],
    numbers: [],
    hidePhoneNumber: false,
    attributes: {},
    ...desiredRule(s, 'ST_in'),
  };
  const outbound: OutboundTrunk = {
    id: 'ST_out',
    hasAuthPassword: s.auth.kind === 'digest',
    destinationCountry: '',
    ...desiredOutbound(s),
  };
  return { inbound, rule, outbound };
}

describe('planning binding changes', () => {
  it('create is inbound → rule → outbound', () => {
    expect(planCreate().map((s) => `${s.op} ${s.resource}`)).toEqual([
      'create inbound',
      'create rule',
      'create outbound',
    ]);
  });

  it('delete takes the dispatch rule first', () => {
    expect(planDelete(ids).map((s) => `${s.op} ${s.resource}`)).toEqual([
      'delete rule',
      'delete inbound',
      'delete outbound',
    ]);
  });

  it('no change → no step; one field → one update step with the old value kept for undo', () => {
    const actual = actualOf(spec);
    expect(planUpdate(binding, spec, ids, actual)).toEqual({ ok: true, steps: [] });
    const plan = planUpdate(binding, { ...spec, callerId: '+14155550199' }, ids, actual);
    expect(plan).toEqual({
      ok: true,
      steps: [
        {
          op: 'update',
          resource: 'outbound',
          id: 'ST_out',
          patch: { numbers: ['+14155550199'] },
          before: { numbers: ['+14155550100'] },
          passwordChanged: false,
          status: 'pending',
        },
      ],
    });
  });

  it('the agent lives on the rule; TLS changes transport and SRTP on both trunks', () => {
    const actual = actualOf(spec);
    const agent = planUpdate(binding, { ...spec, agentName: 'other' }, ids, actual);
    expect(agent.ok && agent.steps.map((s) => s.resource)).toEqual(['rule']);
    const tls = planUpdate(binding, { ...spec, transport: 'tls' }, ids, actual);
    expect(
      tls.ok && tls.steps.map((s) => (s.op === 'update' ? `${s.resource}:${Object.keys(s.patch).join(',')}` : '')),
    ).toEqual(['inbound:mediaEncryption', 'outbound:transport,mediaEncryption']);
  });

  it('a new digest password is an update even when nothing else changes, and is never in the step', () => {
    const digest: BindingSpec = { ...spec, auth: { kind: 'digest', username: 'u', password: 'old' } };
    const prev: Binding = { ...binding, ...digest };
    const plan = planUpdate(
      prev,
      { ...digest, auth: { kind: 'digest', username: 'u', password: 'new-secret' } },
      ids,
      actualOf(digest),
    );
    expect(plan.ok && plan.steps).toHaveLength(1);
    expect(JSON.stringify(plan)).not.toContain('new-secret');
  });

  it('a missing rule is re-created; a missing inbound trunk refuses the edit', () => {
    const actual = actualOf(spec);
    const plan = planUpdate(binding, spec, ids, { ...actual, rule: undefined });
    expect(plan.ok && plan.steps.map((s) => `${s.op} ${s.resource}`)).toEqual(['create rule']);
    expect(planUpdate(binding, spec, ids, { ...actual, inbound: undefined }).ok).toBe(false);
  });

  it('resourcesAfter follows creates, deletes and undone deletes', () => {
    expect(resourcesAfter({}, [{ op: 'create', resource: 'inbound', status: 'done', id: 'ST_x' }])).toEqual({
      inboundTrunkId: 'ST_x',
    });
    expect(resourcesAfter(ids, [{ op: 'delete', resource: 'rule', id: 'SDR_r', status: 'done' }])).toEqual({
      inboundTrunkId: 'ST_in',
      outboundTrunkId: 'ST_out',
    });
    expect(
      resourcesAfter(ids, [{ op: 'delete', resource: 'rule', id: 'SDR_r', status: 'undone', newId: 'SDR_n' }])
        .dispatchRuleId,
    ).toBe('SDR_n');
  });
});

describe('drift and import', () => {
  it('drift names the resource, field, expected and actual value', () => {
    const actual = actualOf(spec);
    expect(driftOf(spec, ids, actual)).toEqual([]);
    const drifted = {
      ...actual,
      rule: { ...actual.rule, agents: [] },
      outbound: { ...actual.outbound, address: 'evil.example.com' },
    };
    expect(driftOf(spec, ids, drifted)).toEqual([
      { resource: 'rule', field: 'agents', expected: 'bot', actual: '(none)' },
      { resource: 'outbound', field: 'address', expected: 'acme.pstn.sinch.com', actual: 'evil.example.com' },
    ]);
    expect(driftOf(spec, ids, { inbound: actual.inbound })).toHaveLength(2);
  });

  it('the room pattern is the one LiveKit makes for an individual rule', () => {
    expect(expectedRoomPattern(spec)).toBe('est-inbound-_<caller>_<random>');
    expect(expectedRoomPattern({ ...spec, dispatch: { kind: 'direct', roomName: 'lobby' } })).toBe('lobby');
  });

  it('import reads the binding off the resources and says what does not fit', () => {
    const { inbound, rule, outbound } = actualOf(spec);
    const lk = {
      inbound: { ...inbound, metadata: '' },
      rule: { ...rule, metadata: '' },
      outbound: { ...outbound, metadata: '', address: 'acme.pstn.sinch.com:5060' },
    };
    const ok = specFromResources({ name: 'acme', ...lk, livekitSipHost: 'sip.example.com', reportChannel: 'C0000001' });
    expect(ok.ok && ok.spec).toEqual(spec);
    const bad = specFromResources({
      name: 'acme',
      ...lk,
      rule: { ...lk.rule, trunkIds: ['ST_other'] },
      livekitSipHost: 'h.example.com',
      reportChannel: 'C1',
    });
    expect(bad.ok).toBe(false);
    expect(bad.problems.map((p) => p.text).join(' ')).toMatch(/does not reference inbound trunk ST_in/);
    const owned = specFromResources({
      name: 'acme',
      ...lk,
      inbound: { ...lk.inbound, metadata: '{"managedBy":"sip-ops","binding":"zeta"}' },
      livekitSipHost: 'h.example.com',
      reportChannel: 'C1',
    });
    expect(owned.ok).toBe(false);
  });
});
