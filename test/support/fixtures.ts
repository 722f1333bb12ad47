import type { Binding, BindingSpec } from '../../src/domain/binding';
import { desiredInbound, desiredOutbound, desiredRule } from '../../src/domain/binding-resources';
import type { AppDeps } from '../../src/features/feature';

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
 * Puts a complete binding in place the direct way (the LiveKit resources /sip-setup would
 * create, and the database row), for suites that test features other than /sip-setup.
 */
export async function seedBinding(
  deps: AppDeps,
  overrides: Partial<BindingSpec> = {},
  actor = 'USEED',
): Promise<Binding> {
  const spec = bindingSpec(overrides);
  const inbound = await deps.livekit.createInboundTrunk(desiredInbound(spec));
  if (!inbound.ok) throw new Error(`seed inbound: ${inbound.failure.message}`);
  const rule = await deps.livekit.createDispatchRule(desiredRule(spec, inbound.value.id));
  if (!rule.ok) throw new Error(`seed rule: ${rule.failure.message}`);
  const outbound = await deps.livekit.createOutboundTrunk({
    ...desiredOutbound(spec),
    authPassword: spec.auth.kind === 'digest' ? spec.auth.password : '',
  });
  if (!outbound.ok) throw new Error(`seed outbound: ${outbound.failure.message}`);
  return deps.repos.bindings.insert(
    spec,
    { inboundTrunkId: inbound.value.id, dispatchRuleId: rule.value.id, outboundTrunkId: outbound.value.id },
    actor,
  );
}
