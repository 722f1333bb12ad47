import type { BindingReport, BindingStats, CheckStatus, Finding, HealthReport } from '../../../src/domain/health-checks';
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

// ------------------------------------------------------------------------------ health reports

const NO_STATS: BindingStats = { inboundCalls: 0, agentJoined: 0, agentJoinRate: null, testCalls: 0, answered: 0, medianSetupMs: null, failuresBySipCode: {} };

export function finding(check: string, status: CheckStatus, title = `${check} title`): Finding {
  return status === 'pass' ? { check, status, title, evidence: `${check} evidence` } : { check, status, title, evidence: `${check} evidence`, nextStep: `fix ${check}` };
}

/** A binding's report: one passing check, plus one with `status` (and its title) when not passing. */
export function bindingReport(name: string, status: CheckStatus, title = `Dispatch rule of ${name} not found in LiveKit`): BindingReport {
  const findings = [finding('inbound-trunk.exists', 'pass'), ...(status === 'pass' ? [] : [finding('dispatch-rule.exists', status, title)])];
  return { name, status, findings, routes: [], stats: NO_STATS };
}

export function healthReport(bindings: BindingReport[], global: Finding[] = [finding('livekit.api', 'pass')]): HealthReport {
  return { global, bindings };
}
