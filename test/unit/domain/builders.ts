import type { DispatchRule, DispatchRuleKind, InboundTrunk } from '../../../src/domain/livekit-model';

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
