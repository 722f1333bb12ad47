/**
 * Which binding an inbound call belongs to, from the SIP participant's attributes
 * (`sip.trunkID`, `sip.ruleID`, `sip.trunkPhoneNumber`) and, last, the room name.
 */
import type { Binding, Dispatch } from './binding';

export type CallerClass =
  | { kind: 'inbound'; binding: Binding; matchedBy: 'trunk' | 'rule' | 'did' | 'room' }
  /** An inbound call no binding owns, reported once per `trunkKey`. */
  | { kind: 'unbound'; trunkKey: string; trunkId?: string; ruleId?: string }
  /** Not an inbound call (an outbound SIP participant: no dispatch rule was involved). */
  | { kind: 'not-inbound'; reason: string };

const digits = (n: string): string => n.replace(/[^0-9]/g, '');

function sameNumber(a: string, b: string): boolean {
  return a === b || (digits(a).length > 0 && digits(a) === digits(b));
}

/** Whether a room name could have been made by this dispatch (individual/callee rooms are `prefix_…`). */
export function roomMatchesDispatch(dispatch: Dispatch, room: string): boolean {
  if (dispatch.kind === 'direct') return room === dispatch.roomName;
  return dispatch.roomPrefix !== '' && room.startsWith(`${dispatch.roomPrefix}_`);
}

export function classifySipCaller(
  attrs: Readonly<Record<string, string>>,
  room: string,
  bindings: readonly Binding[],
): CallerClass {
  const trunkId = attrs['sip.trunkID'] ?? '';
  const ruleId = attrs['sip.ruleID'] ?? '';
  const did = attrs['sip.trunkPhoneNumber'] ?? '';
  if (trunkId) {
    const byTrunk = bindings.find((b) => b.resources.inboundTrunkId === trunkId);
    if (byTrunk) return { kind: 'inbound', binding: byTrunk, matchedBy: 'trunk' };
    const outbound = bindings.find((b) => b.resources.outboundTrunkId === trunkId);
    if (outbound) return { kind: 'not-inbound', reason: `outbound trunk of binding ${outbound.name}` };
  }
  // Only inbound calls pass a dispatch rule; a SIP participant without one was dialled out.
  if (!ruleId) return { kind: 'not-inbound', reason: 'no dispatch rule attribute (an outbound call)' };
  const byRule = bindings.find((b) => b.resources.dispatchRuleId === ruleId);
  if (byRule) return { kind: 'inbound', binding: byRule, matchedBy: 'rule' };
  if (did) {
    const byDid = bindings.filter((b) => b.dids.some((d) => sameNumber(d, did)));
    if (byDid.length === 1) return { kind: 'inbound', binding: byDid[0]!, matchedBy: 'did' };
  }
  // Room prefixes are shared widely (the Sinch guide uses est-inbound-): only when LiveKit named no trunk.
  if (!trunkId) {
    const byRoom = bindings.filter((b) => roomMatchesDispatch(b.dispatch, room));
    if (byRoom.length === 1) return { kind: 'inbound', binding: byRoom[0]!, matchedBy: 'room' };
  }
  return { kind: 'unbound', trunkKey: trunkId || `rule:${ruleId}`, ...(trunkId ? { trunkId } : {}), ruleId };
}
