/**
 * LiveKit webhook events (SDK classes: enums as numbers, int64 as bigint) → the SDK-free events of
 * `domain/inbound-call.ts`.
 */
import { DisconnectReason, ParticipantInfo_Kind, type ParticipantInfo, type WebhookEvent } from '@livekit/protocol';
import type { InboundEvent, ParticipantKind, ParticipantSnapshot } from '../../domain/inbound-call';

/** The webhook events the inbound feature reads; others are ignored (and not recorded). */
export const INBOUND_EVENT_NAMES = new Set([
  'room_started',
  'room_finished',
  'participant_joined',
  'participant_left',
  'participant_connection_aborted',
  'track_published',
]);

const KINDS: Partial<Record<number, ParticipantKind>> = {
  [ParticipantInfo_Kind.SIP]: 'sip',
  [ParticipantInfo_Kind.AGENT]: 'agent',
  [ParticipantInfo_Kind.STANDARD]: 'standard',
};

const REASON_NAMES = DisconnectReason as unknown as Record<number, string | undefined>;

/**
 * Event time in ms. `createdAt` has whole seconds only; the receive time refines it when the
 * delivery was prompt and is clamped into that second when it was not (retries, replays).
 */
export function eventTimeMs(createdAtSec: bigint, receivedAtMs: number): number {
  const created = Number(createdAtSec) * 1000;
  if (!created) return receivedAtMs;
  return Math.min(Math.max(receivedAtMs, created), created + 999);
}

function snapshot(p: ParticipantInfo, full: boolean): ParticipantSnapshot {
  const out: ParticipantSnapshot = { sid: p.sid, identity: p.identity };
  if (!full) return out;
  if (p.name) out.name = p.name;
  out.kind = KINDS[p.kind] ?? 'other';
  out.attributes = { ...p.attributes };
  out.version = p.version;
  const joined = Number(p.joinedAtMs) || Number(p.joinedAt) * 1000;
  if (joined) out.joinedAtMs = joined;
  if (p.disconnectReason) out.disconnectReason = REASON_NAMES[p.disconnectReason] ?? String(p.disconnectReason);
  return out;
}

export function toInboundEvent(ev: WebhookEvent, receivedAtMs: number): InboundEvent | undefined {
  const name = ev.room?.name;
  if (!name || !INBOUND_EVENT_NAMES.has(ev.event)) return undefined;
  const at = eventTimeMs(ev.createdAt, receivedAtMs);
  const room = { name, ...(ev.room?.sid ? { sid: ev.room.sid } : {}) };
  switch (ev.event) {
    case 'room_started':
    case 'room_finished':
      return { type: ev.event, at, room };
    case 'participant_joined':
    case 'participant_left':
    case 'participant_connection_aborted':
      if (!ev.participant) return undefined;
      return { type: ev.event, at, room, participant: snapshot(ev.participant, true) };
    case 'track_published':
      if (!ev.participant) return undefined;
      return { type: 'track_published', at, room, participant: snapshot(ev.participant, false) };
    default:
      return undefined;
  }
}
