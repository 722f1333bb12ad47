import type { Binding } from '../../domain/binding';
import type { ActualResources } from '../../domain/binding-resources';
import { describeFailure } from '../../domain/livekit-failure';
import type { LiveKitGateway } from '../../livekit/gateway';

export type ActualRead = { ok: true; value: ActualResources } | { ok: false; error: string };

/** What LiveKit holds now for a binding's resource IDs (a missing resource reads as undefined). */
export async function readActual(livekit: LiveKitGateway, ids: Binding['resources']): Promise<ActualRead> {
  const [inb, rule, outb] = await Promise.all([
    ids.inboundTrunkId
      ? livekit.listInboundTrunks([ids.inboundTrunkId])
      : Promise.resolve({ ok: true as const, value: [] }),
    ids.dispatchRuleId
      ? livekit.listDispatchRules([ids.dispatchRuleId])
      : Promise.resolve({ ok: true as const, value: [] }),
    ids.outboundTrunkId
      ? livekit.listOutboundTrunks([ids.outboundTrunkId])
      : Promise.resolve({ ok: true as const, value: [] }),
  ]);
  if (!inb.ok) return { ok: false, error: describeFailure(inb.failure) };
  if (!rule.ok) return { ok: false, error: describeFailure(rule.failure) };
  if (!outb.ok) return { ok: false, error: describeFailure(outb.failure) };
  return {
    ok: true,
    value: {
      inbound: inb.value.find((t) => t.id === ids.inboundTrunkId),
      rule: rule.value.find((t) => t.id === ids.dispatchRuleId),
      outbound: outb.value.find((t) => t.id === ids.outboundTrunkId),
    },
  };
}
