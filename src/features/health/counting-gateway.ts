/**
 * A view of the LiveKit gateway that counts API calls: the health run reports how many it made
 * (one list call per resource kind, whatever the number of bindings).
 */
import type { LiveKitGateway } from '../../livekit/gateway';

/** The gateway methods that are LiveKit API calls (`snapshot` is three of them). */
const API_METHODS = new Set<string>([
  'ping',
  'listInboundTrunks',
  'listOutboundTrunks',
  'listDispatchRules',
  'createInboundTrunk',
  'updateInboundTrunk',
  'createOutboundTrunk',
  'updateOutboundTrunk',
  'deleteTrunk',
  'createDispatchRule',
  'updateDispatchRule',
  'deleteDispatchRule',
  'placeCall',
  'removeParticipant',
  'deleteRoom',
  'listRooms',
]);

/** A view of `gateway` that counts API calls, including those `snapshot()` makes through `this`. */
export function countingGateway(gateway: LiveKitGateway): { gateway: LiveKitGateway; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const proxy: LiveKitGateway = new Proxy(gateway, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!API_METHODS.has(prop)) return (...args: unknown[]) => fn.apply(receiver, args);
      return (...args: unknown[]) => {
        counts[prop] = (counts[prop] ?? 0) + 1;
        return fn.apply(receiver, args);
      };
    },
  });
  return { gateway: proxy, counts };
}
