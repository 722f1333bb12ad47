import type { AppDeps } from '../../src/app';
import { managedTag } from '../../src/domain/livekit-model';
import type { Binding, BindingSpec } from '../../src/domain/binding';

let seq = 0;

/** A valid binding spec; override what the test is about. */
export function bindingSpec(overrides: Partial<BindingSpec> = {}): BindingSpec {
  seq += 1;
  const n = String(100 + seq).padStart(4, '0');
  return {
    name: `acme-${seq}`,
    trunkDomain: 'acme.pstn.sinch.com',
    dids: [`+1415555${n}`],
    callerId: `+1415555${n}`,
    auth: { kind: 'acl' },
    transport: 'udp',
    livekitSipHost: 'sip.acme.example',
    dispatch: { kind: 'individual', roomPrefix: 'est-inbound-' },
    reportChannel: 'COPS0001',
    ...overrides,
  };
}

/**
 * Puts a complete binding in place the direct way (LiveKit resources + database row),
 * for suites that test features other than /sip-setup.
 */
export async function seedBinding(deps: AppDeps, overrides: Partial<BindingSpec> = {}, actor = 'USEED'): Promise<Binding> {
  const spec = bindingSpec(overrides);
  const tls = spec.transport === 'tls';
  const inbound = await deps.livekit.createInboundTrunk({
    name: `${spec.name}-inbound`,
    metadata: managedTag(spec.name),
    numbers: spec.dids,
    mediaEncryption: tls ? 'require' : 'disable',
  });
  if (!inbound.ok) throw new Error(`seed inbound: ${inbound.failure.message}`);
  const rule = await deps.livekit.createDispatchRule({
    name: `${spec.name}-dispatch`,
    metadata: managedTag(spec.name),
    trunkIds: [inbound.value.id],
    rule:
      spec.dispatch.kind === 'direct'
        ? { kind: 'direct', roomName: spec.dispatch.roomName, pin: '' }
        : spec.dispatch.kind === 'individual'
          ? { kind: 'individual', roomPrefix: spec.dispatch.roomPrefix, pin: '', noRandomness: false }
          : { kind: 'callee', roomPrefix: spec.dispatch.roomPrefix, pin: '', randomize: true },
    agents: spec.agentName ? [spec.agentName] : [],
  });
  if (!rule.ok) throw new Error(`seed rule: ${rule.failure.message}`);
  const outbound = await deps.livekit.createOutboundTrunk({
    name: `${spec.name}-outbound`,
    metadata: managedTag(spec.name),
    address: spec.trunkDomain,
    transport: spec.transport,
    numbers: [spec.callerId],
    authUsername: spec.auth.kind === 'digest' ? spec.auth.username : '',
    authPassword: spec.auth.kind === 'digest' ? spec.auth.password : '',
    mediaEncryption: tls ? 'require' : 'disable',
  });
  if (!outbound.ok) throw new Error(`seed outbound: ${outbound.failure.message}`);
  return deps.repos.bindings.insert(
    spec,
    { inboundTrunkId: inbound.value.id, dispatchRuleId: rule.value.id, outboundTrunkId: outbound.value.id },
    actor,
  );
}
