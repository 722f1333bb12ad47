import type { BindingReport, BindingStats, CheckStatus, Finding, HealthReport } from '../../src/domain/health-checks';
import {
  applyInboundEvent,
  callView,
  emptyRoomState,
  type InboundCallView,
  type ParticipantSnapshot,
  type RoomCallsState,
  type RoomRef,
} from '../../src/domain/inbound-call';
import type { DispatchRule, DispatchRuleKind, InboundTrunk } from '../../src/domain/livekit-model';

/** An inbound trunk with empty defaults; override what the test is about. */
export function trunk(id: string, over: Partial<InboundTrunk> = {}): InboundTrunk {
  return {
    id,
    name: over.name ?? id.toLowerCase(),
    metadata: '',
    numbers: [],
    allowedAddresses: [],
    allowedNumbers: [],
    hasAuth: false,
    mediaEncryption: 'disable',
    ...over,
  };
}

export function individual(roomPrefix: string, pin = '', noRandomness = false): DispatchRuleKind {
  return { kind: 'individual', roomPrefix, pin, noRandomness };
}

export function direct(roomName: string, pin = ''): DispatchRuleKind {
  return { kind: 'direct', roomName, pin };
}

export function callee(roomPrefix: string, randomize = false, pin = ''): DispatchRuleKind {
  return { kind: 'callee', roomPrefix, pin, randomize };
}

/** A dispatch rule with empty defaults (wildcard: no trunks, no number filters). */
export function rule(id: string, kind: DispatchRuleKind, over: Partial<DispatchRule> = {}): DispatchRule {
  return {
    id,
    name: over.name ?? id.toLowerCase(),
    metadata: '',
    rule: kind,
    trunkIds: [],
    inboundNumbers: [],
    numbers: [],
    hidePhoneNumber: false,
    agents: [],
    attributes: {},
    ...over,
  };
}

// ------------------------------------------------------------------------------ health reports

const NO_STATS: BindingStats = {
  inboundCalls: 0,
  agentJoined: 0,
  agentJoinRate: null,
  testCalls: 0,
  answered: 0,
  medianSetupMs: null,
  failuresBySipCode: {},
};

export function finding(check: string, status: CheckStatus, title = `${check} title`): Finding {
  return status === 'pass'
    ? { check, status, title, evidence: `${check} evidence` }
    : { check, status, title, evidence: `${check} evidence`, nextStep: `fix ${check}` };
}

/** A binding's report: one passing check, plus one with `status` (and its title) when not passing. */
export function bindingReport(
  name: string,
  status: CheckStatus,
  title = `Dispatch rule of ${name} not found in LiveKit`,
): BindingReport {
  const findings = [
    finding('inbound-trunk.exists', 'pass'),
    ...(status === 'pass' ? [] : [finding('dispatch-rule.exists', status, title)]),
  ];
  return { name, status, findings, routes: [], stats: NO_STATS };
}

export function healthReport(
  bindings: BindingReport[],
  global: Finding[] = [finding('livekit.api', 'pass')],
): HealthReport {
  return { global, bindings };
}

/** A room with one SIP caller that joined at 1 s and (unless `ended: false`) hung up at 4 s, by the reducer. */
export function inboundRoom(opts: { ended?: boolean; attrs?: Record<string, string>; room?: RoomRef } = {}): {
  state: RoomCallsState;
  view: InboundCallView;
} {
  const room = opts.room ?? { name: 'inbound-room-1', sid: 'RM_room0001' };
  const caller: ParticipantSnapshot = {
    sid: 'PA_sip00001',
    identity: 'sip_+15550100',
    name: 'Phone +15550100',
    kind: 'sip',
    attributes: {
      'sip.callID': 'SCL_call0001',
      'sip.trunkID': 'ST_trunk0001',
      'sip.ruleID': 'SDR_rule0001',
      'sip.phoneNumber': '+15550100',
      'sip.trunkPhoneNumber': '+14155550101',
      'sip.callStatus': 'active',
      ...opts.attrs,
    },
    version: 1,
    joinedAtMs: 1_000,
  };
  let state = applyInboundEvent(emptyRoomState(room.name), {
    type: 'participant_joined',
    at: 1_000,
    room,
    participant: caller,
  });
  if (opts.ended !== false)
    state = applyInboundEvent(state, {
      type: 'participant_left',
      at: 4_000,
      room,
      participant: { ...caller, disconnectReason: 'CLIENT_INITIATED' },
    });
  const view = callView(state, caller.sid);
  if (!view) throw new Error('no call in the built room');
  return { state, view };
}
