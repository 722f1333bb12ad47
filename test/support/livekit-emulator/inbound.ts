/**
 * Inbound call simulation: livekit-server's `EvaluateSIPDispatchRules` (trunk match, dispatch-rule
 * match, `EvaluateDispatchRule`) on the current state, then the room/participant life cycle (§7, §9).
 */
import {
  DisconnectReason,
  type ParticipantInfo,
  ParticipantInfo_Kind,
  type SIPDispatchRuleInfo,
  type SIPInboundTrunkInfo,
} from '@livekit/protocol';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { newId } from './ids';
import type { RoomState, RoomStore, SipStore } from './state';
import type { Timers } from './timers';
import type { InboundCall, InboundCallResult, WebhookEventJson } from './types';
import { goQuote, normalizeNumber, pinAndRoom } from './validation';

export class InboundRoutingError extends Error {
  constructor(
    msg: string,
    readonly trunkId?: string,
  ) {
    super(msg);
  }
}

// ------------------------------------------------------------------ address masks

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
}

function ipv6ToBigInt(ip: string): bigint {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const parts = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return parts.reduce((acc, p) => (acc << 16n) + BigInt(parseInt(p || '0', 16)), 0n);
}

function matchAddrMask(ip: string, mask: string): boolean {
  const [base = '', bitsText] = mask.split('/');
  const b = base.replace(/^\[|\]$/g, '');
  const fam = isIP(ip);
  if (fam === 0 || isIP(b) !== fam) return false;
  if (bitsText === undefined) return fam === 4 ? ip === b : ipv6ToBigInt(ip) === ipv6ToBigInt(b);
  const bits = Number(bitsText);
  if (fam === 4) {
    if (!(bits >= 0 && bits <= 32)) return false;
    const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (ipv4ToInt(ip) & m) >>> 0 === (ipv4ToInt(b) & m) >>> 0;
  }
  if (!(bits >= 0 && bits <= 128)) return false;
  const m = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  return (ipv6ToBigInt(ip) & m) === (ipv6ToBigInt(b) & m);
}

/** `matchAddrMasks`: unparsable source IP or no valid masks → allowed; a mask may also be the From host. */
function matchAddrMasks(ip: string, host: string, masks: readonly string[]): boolean {
  if (isIP(ip) === 0) return true;
  const valid = masks.filter((m) => !/[()+*;, \t\n\r]/.test(m) && !m.includes('://'));
  if (valid.length === 0) return true;
  return valid.some((m) => m === host || matchAddrMask(ip, m));
}

function matchNumbers(num: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const norm = normalizeNumber(num);
  return allowed.some((a) => a === num || normalizeNumber(a) === norm);
}

// ------------------------------------------------------------------ matching

/**
 * `sip.MatchTrunkDetailed` (protocol sip/sip.go): a trunk listing the called number wins; else the single
 * wildcard trunk; else none. With none, the open-source server answers the lookup with an empty result
 * (livekit/livekit pkg/service/ioservice_sip.go) and livekit-sip goes on without a trunk (livekit/sip
 * pkg/service/psrpc.go): only dispatch rules without trunk IDs can then take the call.
 */
export function matchTrunk(
  trunks: readonly SIPInboundTrunkInfo[],
  call: { from: string; to: string; sourceIp: string; fromHost: string },
): SIPInboundTrunkInfo | undefined {
  const calledNorm = normalizeNumber(call.to);
  let selected: SIPInboundTrunkInfo | undefined;
  let wildcard: SIPInboundTrunkInfo | undefined;
  let wildcards = 0;
  for (const tr of trunks) {
    if (!matchNumbers(call.from, tr.allowedNumbers)) continue;
    if (!matchAddrMasks(call.sourceIp, call.fromHost, tr.allowedAddresses)) continue;
    if (tr.numbers.length === 0) {
      wildcard = tr;
      wildcards++;
      continue;
    }
    if (tr.numbers.some((n) => n === call.to || normalizeNumber(n) === calledNorm)) {
      if (selected) throw new InboundRoutingError(`Multiple SIP Trunks matched for ${goQuote(call.to)}`);
      selected = tr;
    }
  }
  if (selected) return selected;
  if (wildcards > 1) throw new InboundRoutingError(`Multiple default SIP Trunks matched for ${goQuote(call.to)}`);
  return wildcard;
}

/** `DispatchRulePriority`: lower wins. */
function priority(r: SIPDispatchRuleInfo): number {
  const rule = r.rule?.rule;
  let p: number;
  switch (rule?.case) {
    case 'dispatchRuleDirect':
      p = rule.value.pin ? 0 : 100;
      break;
    case 'dispatchRuleIndividual':
      p = rule.value.pin ? 1 : 101;
      break;
    case 'dispatchRuleCallee':
      p = rule.value.pin ? 2 : 102;
      break;
    default:
      return 2 ** 31 - 1;
  }
  if (r.inboundNumbers.length === 0) p += 1000;
  if (r.numbers.length === 0) p += 1000;
  return p;
}

function higher(a: SIPDispatchRuleInfo, b: SIPDispatchRuleInfo): boolean {
  const pa = priority(a);
  const pb = priority(b);
  if (pa !== pb) return pa < pb;
  return pinAndRoom(a).room < pinAndRoom(b).room;
}

/**
 * `sip.MatchDispatchRuleIter`: filter by caller (`inboundNumbers`), called number (`numbers`) and PIN;
 * a rule naming the matched trunk beats a wildcard rule; ties by priority.
 */
export function matchDispatchRule(
  trunk: SIPInboundTrunkInfo | undefined,
  rules: readonly SIPDispatchRuleInfo[],
  call: { from: string; to: string; pin?: string },
): SIPDispatchRuleInfo {
  let specific: SIPDispatchRuleInfo | undefined;
  let fallback: SIPDispatchRuleInfo | undefined;
  const sentPin = call.pin ?? '';
  for (const r of rules) {
    if (r.inboundNumbers.length && !r.inboundNumbers.includes(call.from)) continue;
    if (r.numbers.length && !r.numbers.includes(call.to)) continue;
    let rulePin: string;
    try {
      rulePin = pinAndRoom(r).pin;
    } catch {
      continue;
    }
    if (sentPin !== '' && rulePin !== sentPin) continue;
    if (r.trunkIds.length === 0) {
      if (!fallback || higher(r, fallback)) fallback = r;
      continue;
    }
    if (!trunk || !r.trunkIds.includes(trunk.sipTrunkId)) continue;
    if (!specific || higher(r, specific)) specific = r;
  }
  const best = specific ?? fallback;
  if (best) return best;
  // livekit-server drops the call (SIPDispatchResult DROP, livekit/livekit pkg/service/ioservice_sip.go) and
  // livekit-sip sends no SIP answer (livekit/sip pkg/sip/inbound.go DispatchNoRuleDrop: cc.Drop()).
  // protocol sip/sip.go MatchDispatchRuleIter: when no rule survives the filters both counts are 0, so the
  // error is ErrNoDispatchMatched{NoRules: true}: "No SIP Dispatch Rules defined" even though rules exist.
  // (Its NoRules=false branch is unreachable: a non-zero count always sets a rule.)
  throw new InboundRoutingError('No SIP Dispatch Rules defined', trunk?.sipTrunkId);
}

export interface Evaluation {
  roomName: string;
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  requestPin: boolean;
}

/** `sip.EvaluateDispatchRule`: room name, identity, name and attributes of the caller. */
export function evaluateDispatchRule(
  trunk: SIPInboundTrunkInfo | undefined,
  rule: SIPDispatchRuleInfo,
  call: { from: string; to: string; fromHost: string; callId: string; pin?: string },
): Evaluation {
  const attrs: Record<string, string> = {
    ...rule.attributes,
    'sip.callID': call.callId,
    'sip.trunkID': trunk?.sipTrunkId ?? '',
  };
  let from = call.from;
  let name = `Phone ${from}`;
  let identity = `sip_${from}`;
  if (rule.hidePhoneNumber) {
    identity = `sip_${createHash('sha256').update(call.from).digest('hex').slice(0, 16)}`;
    from = from.slice(from.length - (from.length <= 4 ? 1 : 4));
    name = `Phone ${from}`;
  } else {
    attrs['sip.phoneNumber'] = call.from;
    attrs['sip.hostname'] = call.fromHost;
    attrs['sip.trunkPhoneNumber'] = call.to;
  }
  const { room: base, pin } = pinAndRoom(rule);
  let room = base;
  const r = rule.rule!.rule;
  if (r.case === 'dispatchRuleIndividual') {
    room = r.value.roomPrefix ? `${r.value.roomPrefix}_${from}` : from;
    if (!r.value.noRandomness) room += `_${newId('')}`;
  } else if (r.case === 'dispatchRuleCallee') {
    room = r.value.roomPrefix ? `${r.value.roomPrefix}_${call.to}` : call.to;
    if (r.value.randomize) room += `_${newId('')}`;
  }
  attrs['sip.ruleID'] = rule.sipDispatchRuleId;
  return {
    roomName: room,
    identity,
    name,
    metadata: rule.metadata,
    attributes: attrs,
    requestPin: pin !== '' && (call.pin ?? '') === '',
  };
}

const DISCONNECT_NAMES = DisconnectReason as unknown as Record<string, number | undefined>;

/** livekit/livekit `pkg/rtc/signalling/signalhandler.go`: leave reasons kept; every other one becomes CLIENT_INITIATED. */
const KEPT_LEAVE_REASONS = new Set<number>([
  DisconnectReason.CLIENT_INITIATED,
  DisconnectReason.USER_UNAVAILABLE,
  DisconnectReason.USER_REJECTED,
  DisconnectReason.AGENT_ERROR,
]);

/**
 * How livekit-sip's SIP participant leaves (livekit/sip `pkg/sip/participant.go` CallStatus.Attribute and
 * DisconnectReason, `pkg/sip/inbound.go` closeWithHangup / closeWithTimeout / close):
 * - `CLIENT_INITIATED` (the caller's BYE) and `rtp-timeout` (media timeout after answer, treated as a lost BYE):
 *   sip.callStatus "hangup", CLIENT_INITIATED.
 * - `dropped` (errors, no media): no sip.callStatus change, UNKNOWN_REASON, which the server turns into CLIENT_INITIATED.
 * - any other DisconnectReason name: no sip.callStatus change; the server keeps only the reasons it lists.
 */
function sipLeave(hangup: string): { reason: DisconnectReason; hungUp: boolean } {
  if (hangup === 'CLIENT_INITIATED' || hangup === 'rtp-timeout')
    return { reason: DisconnectReason.CLIENT_INITIATED, hungUp: true };
  const asked =
    hangup === 'dropped'
      ? DisconnectReason.UNKNOWN_REASON
      : (DISCONNECT_NAMES[hangup] ?? DisconnectReason.UNKNOWN_REASON);
  return { reason: KEPT_LEAVE_REASONS.has(asked) ? asked : DisconnectReason.CLIENT_INITIATED, hungUp: false };
}

type InboundDeps = {
  sip: SipStore;
  rooms: RoomStore;
  timers: Timers;
  sent: readonly WebhookEventJson[];
  flush: () => Promise<void>;
};

/** The SIP participant of a routed inbound call, in its room. */
export interface InboundLeg {
  room: RoomState;
  created: boolean;
  sip: ParticipantInfo;
  trunkId: string;
  ruleId: string;
  callId: string;
  roomName: string;
  /** roomConfig.agents apply only when this call created the room (§8); explicit dispatches count too. */
  agentsDispatched: boolean;
  agentName: string;
}

/**
 * An INVITE reaching livekit-sip: trunk and dispatch-rule matching (livekit/livekit `pkg/service/ioservice_sip.go`
 * EvaluateSIPDispatchRules; protocol `sip/sip.go`), then the bridge joins the room "ringing" (livekit/sip
 * `pkg/sip/inbound.go`). Not routed: the reason livekit-sip logs.
 */
export async function joinInboundLeg(
  deps: Pick<InboundDeps, 'sip' | 'rooms'>,
  call: Pick<InboundCall, 'from' | 'to' | 'sourceIp' | 'fromHost' | 'pin'>,
): Promise<{ routed: true; leg: InboundLeg } | { routed: false; reason: string; trunkId?: string }> {
  const fromHost = call.fromHost ?? 'pstn.example';
  const c = {
    from: call.from,
    to: call.to,
    sourceIp: call.sourceIp ?? '',
    fromHost,
    ...(call.pin !== undefined ? { pin: call.pin } : {}),
  };
  let trunk: SIPInboundTrunkInfo | undefined;
  let rule: SIPDispatchRuleInfo;
  try {
    trunk = matchTrunk(deps.sip.sortedInbound(), c);
    const candidates = deps.sip
      .sortedRules()
      .filter((r) => !trunk || r.trunkIds.length === 0 || r.trunkIds.includes(trunk.sipTrunkId));
    rule = matchDispatchRule(trunk, candidates, c);
  } catch (e) {
    if (e instanceof InboundRoutingError)
      return { routed: false, reason: e.message, ...(e.trunkId ? { trunkId: e.trunkId } : {}) };
    throw e;
  }
  const callId = newId('SCL_');
  const ev = evaluateDispatchRule(trunk, rule, { ...c, callId });
  if (ev.requestPin) {
    return {
      routed: false,
      reason: `PIN required by dispatch rule ${goQuote(rule.sipDispatchRuleId)}`,
      ...(trunk ? { trunkId: trunk.sipTrunkId } : {}),
    };
  }
  const rc = rule.roomConfig;
  const { state: room, created } = await deps.rooms.ensure(ev.roomName, {
    ...(rc
      ? {
          emptyTimeout: rc.emptyTimeout,
          departureTimeout: rc.departureTimeout,
          maxParticipants: rc.maxParticipants,
          metadata: rc.metadata,
          agents: rc.agents,
        }
      : {}),
  });
  // The bridge joins with "ringing" and waits for a track subscription (an agent) before answering.
  const sip = deps.rooms.newParticipant({
    identity: ev.identity,
    name: ev.name,
    kind: ParticipantInfo_Kind.SIP,
    metadata: ev.metadata,
    attributes: { ...ev.attributes, 'sip.callStatus': call.pin ? 'active' : 'ringing' },
  });
  await deps.rooms.join(room, sip);
  const agentsDispatched = (created && (rc?.agents.length ?? 0) > 0) || room.dispatches.length > 0;
  const agentName = room.dispatches[0]?.agentName ?? rc?.agents[0]?.agentName ?? '';
  return {
    routed: true,
    leg: {
      room,
      created,
      sip,
      trunkId: trunk?.sipTrunkId ?? '',
      ruleId: rule.sipDispatchRuleId,
      callId,
      roomName: ev.roomName,
      agentsDispatched,
      agentName,
    },
  };
}

/** The dispatched agent joins the leg's room after `joinAfterMs` (if the caller is still there); livekit-sip then answers. */
export async function joinAgent(
  deps: Pick<InboundDeps, 'rooms' | 'timers'>,
  leg: InboundLeg,
  agent: { identity?: string; joinAfterMs: number },
): Promise<ParticipantInfo | undefined> {
  await deps.timers.sleep(agent.joinAfterMs);
  if (leg.room.participants.get(leg.sip.identity) !== leg.sip) return undefined;
  const p = deps.rooms.newParticipant({
    identity: agent.identity ?? `agent-${newId('AJ_')}`,
    kind: ParticipantInfo_Kind.AGENT,
    attributes: { 'lk.agent.state': 'listening' },
    metadata: '',
  });
  p.kindDetails = [];
  if (leg.agentName) p.name = leg.agentName;
  await deps.rooms.join(leg.room, p);
  deps.rooms.setAttributes(leg.sip, { 'sip.callStatus': 'active' });
  return p;
}

export async function simulateInboundCall(deps: InboundDeps, call: InboundCall): Promise<InboundCallResult> {
  const first = deps.sent.length;
  const events = () => deps.sent.slice(first);
  const joined = await joinInboundLeg(deps, call);
  if (!joined.routed)
    return {
      routed: false,
      reason: joined.reason,
      ...(joined.trunkId ? { trunkId: joined.trunkId } : {}),
      events: events(),
    };
  const { leg } = joined;
  const { room, sip } = leg;
  let agentIdentity: string | undefined;
  if (call.agent && call.agent !== 'none' && leg.agentsDispatched)
    agentIdentity = (await joinAgent(deps, leg, call.agent))?.identity;
  await deps.timers.sleep(call.durationMs ?? 100);
  if (call.hangUpWhen) await call.hangUpWhen;
  const hangup = call.hangupReason ?? 'CLIENT_INITIATED';
  if (hangup === 'agent' && agentIdentity) {
    await deps.rooms.leave(room, agentIdentity, DisconnectReason.CLIENT_INITIATED);
    await deps.rooms.leave(room, sip.identity, DisconnectReason.CLIENT_INITIATED, {
      callStatus: 'hangup',
      closeNow: true,
    });
  } else {
    const { reason, hungUp } = sipLeave(hangup);
    await deps.rooms.leave(room, sip.identity, reason, { ...(hungUp ? { callStatus: 'hangup' } : {}), closeNow: true });
    if (agentIdentity)
      await deps.rooms.leave(room, agentIdentity, DisconnectReason.CLIENT_INITIATED, { closeNow: true });
  }
  await deps.flush();
  return {
    routed: true,
    roomName: leg.roomName,
    trunkId: leg.trunkId,
    ruleId: leg.ruleId,
    callId: leg.callId,
    participantIdentity: sip.identity,
    events: events(),
  };
}
