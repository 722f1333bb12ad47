/** Outbound calls (`CreateSIPParticipant`) and transfers, scripted per dialed number (§6, §7). */
import {
  type CreateSIPParticipantRequest,
  DisconnectReason,
  type ParticipantInfo,
  ParticipantInfo_Kind,
  SIPParticipantInfo,
  SIPTransferStatus,
  type TransferSIPParticipantRequest,
  TransferSIPParticipantResponse,
} from '@livekit/protocol';
import { ensureRoomAdmin, ensureSipCall, type Grants } from './auth';
import { newId } from './ids';
import { carryLoop, heldByInboundTrunk, type LoopbackOptions, type LoopRecord } from './loopback';
import { disconnectReasonForSip, sipCallFailure } from './sip-status';
import type { RoomState, RoomStore, SipStore } from './state';
import type { Timers } from './timers';
import { invalidArgument, notFound, TwirpError } from './twirp';
import type { CallOutcome } from './types';
import { asInvalidArgument, validateCreateSipParticipant, validateTransfer } from './validation';

export type TransferOutcome =
  { kind: 'accept'; afterMs?: number } | { kind: 'reject'; sipStatus: number; reason?: string; afterMs?: number };

export const DEFAULT_OUTCOME: CallOutcome = { kind: 'answer', afterMs: 50 };

/**
 * livekit-sip's timing, for races with the SDK's own HTTP timeout. Default: no join delay and the
 * compressed per-outcome `afterMs` (as before).
 * - `joinMs`: real ms livekit-sip takes to join the room. It joins BEFORE it dials, and only the INVITE
 *   stage runs under the ringing timeout (livekit/sip `pkg/sip/outbound.go`: connectToRoom in
 *   newOutboundCall, then dialSIP with context.WithTimeout(ringingTimeout)).
 * - `msPerSecond`: when set, a no-answer rings for the request's `ringingTimeout` seconds at this many
 *   real ms per second, and the server's cap on `waitUntilAnswered` requests is 80 s on the same scale
 *   (livekit/livekit `pkg/service/sip.go` CreateSIPParticipant: timeout = 80 s, room join included).
 */
export interface SipTiming {
  joinMs: number;
  msPerSecond?: number;
}

/** livekit/livekit `pkg/service/sip.go`: CreateSIPParticipant with waitUntilAnswered waits at most 80 s. */
export const WAIT_UNTIL_ANSWERED_CAP_SEC = 80;
/** livekit/sip `pkg/sip/outbound.go` defaultRingingTimeout. */
const DEFAULT_RINGING_SEC = 30;

export class CallService {
  readonly outcomes = new Map<string, CallOutcome>();
  readonly transferOutcomes = new Map<string, TransferOutcome>();
  timing: SipTiming = { joinMs: 0 };
  /** Set: calls to a number an inbound trunk holds come back in (loopback.ts); unset: scripted outcomes only. */
  loopback: LoopbackOptions | undefined;
  readonly loops: LoopRecord[] = [];

  constructor(
    private readonly sip: SipStore,
    private readonly rooms: RoomStore,
    private readonly timers: Timers,
  ) {}

  outcomeFor(callTo: string): CallOutcome {
    return this.outcomes.get(callTo) ?? this.outcomes.get('*') ?? DEFAULT_OUTCOME;
  }

  async createParticipant(req: CreateSIPParticipantRequest, g: Grants | undefined): Promise<SIPParticipantInfo> {
    ensureSipCall(g);
    asInvalidArgument(() => validateCreateSipParticipant(req));
    const trunk = req.sipTrunkId !== '' ? this.sip.outbound.get(req.sipTrunkId) : undefined;
    // An inbound trunk ID is not an outbound trunk: same "does not exist".
    if (req.sipTrunkId !== '' && !trunk) throw notFound('requested sip trunk does not exist');
    let fromNumber = req.sipNumber;
    if (fromNumber === '') {
      if (!trunk || trunk.numbers.length === 0)
        throw new TwirpError('failed_precondition', 'no numbers on outbound trunk');
      fromNumber = trunk.numbers[Math.floor(Math.random() * trunk.numbers.length)]!;
    }
    const hostname = trunk?.address ?? req.trunk?.hostname ?? '';
    const outcome = this.outcomeFor(req.sipCallTo);
    // The RPC to livekit-sip itself fails: psrpc ErrNoResponse.
    if (outcome.kind === 'no-sip-service') throw new TwirpError('unavailable', 'no response from servers');
    // livekit/sip pkg/sip/client.go createSIPParticipant: health not OK → pkg/errors ErrUnavailable.
    if (outcome.kind === 'sip-cpu-exhausted') throw new TwirpError('unavailable', 'cpu exhausted');

    const callId = newId('SCL_');
    const attributes: Record<string, string> = {
      ...req.participantAttributes,
      'sip.callID': callId,
      'sip.trunkID': req.sipTrunkId || trunk?.sipTrunkId || '',
    };
    if (!req.hidePhoneNumber) {
      attributes['sip.phoneNumber'] = req.sipCallTo;
      attributes['sip.hostname'] = hostname;
      attributes['sip.trunkPhoneNumber'] = fromNumber;
    }
    attributes['sip.callStatus'] = 'dialing';
    const identity = req.participantIdentity || `sip_${req.sipCallTo}`;
    const started = Date.now();
    await this.timers.sleep(this.timing.joinMs);
    const { state: room } = await this.rooms.ensure(req.roomName);
    const p = this.rooms.newParticipant({
      identity,
      name: req.participantName,
      kind: ParticipantInfo_Kind.SIP,
      metadata: req.participantMetadata,
      attributes,
    });
    await this.rooms.join(room, p);
    const info = new SIPParticipantInfo({
      participantId: p.sid,
      participantIdentity: identity,
      roomName: req.roomName,
      sipCallId: callId,
    });

    const maxCallMs = req.maxCallDuration ? Number(req.maxCallDuration.seconds) * 1000 : 0;
    const ringingSec = req.ringingTimeout ? Number(req.ringingTimeout.seconds) : DEFAULT_RINGING_SEC;
    const loop =
      this.loopback && !this.outcomes.has(req.sipCallTo) && heldByInboundTrunk(this.sip, req.sipCallTo)
        ? this.loopback
        : undefined;
    const settle = (): Promise<TwirpError | undefined> =>
      loop
        ? this.settleLoop(loop, room, p, { from: fromNumber, to: req.sipCallTo, callId, ringingSec })
        : this.settle(room, p, outcome, req.dtmf, maxCallMs, ringingSec);
    if (req.waitUntilAnswered) {
      const err = await this.withServerCap(settle(), started);
      if (err) throw err;
      return info;
    }
    // The RPC returns once the bridge joined the room; dialing continues in the background (§6).
    void settle();
    return info;
  }

  /**
   * livekit/livekit `pkg/service/sip.go`: the psrpc request times out after 80 s counted from the start
   * (room join included) and the error passes as psrpc DeadlineExceeded "request timed out" (wrapSIPContextError
   * keeps psrpc errors). The call itself goes on in livekit-sip.
   */
  private async withServerCap(
    settled: Promise<TwirpError | undefined>,
    started: number,
  ): Promise<TwirpError | undefined> {
    const scale = this.timing.msPerSecond;
    if (scale === undefined) return settled;
    const left = WAIT_UNTIL_ANSWERED_CAP_SEC * scale - (Date.now() - started);
    let cancel = (): void => undefined;
    const cap = new Promise<TwirpError>((resolve) => {
      cancel = this.timers.after(Math.max(0, left), () =>
        resolve(new TwirpError('deadline_exceeded', 'request timed out')),
      );
    });
    const result = await Promise.race([settled, cap]);
    cancel();
    return result;
  }

  private inRoom(room: RoomState, p: ParticipantInfo): boolean {
    return room.participants.get(p.identity) === p && this.rooms.get(room.room.name) === room;
  }

  private settleLoop(
    loop: LoopbackOptions,
    room: RoomState,
    p: ParticipantInfo,
    call: { from: string; to: string; callId: string; ringingSec: number },
  ): Promise<TwirpError | undefined> {
    const record: LoopRecord = { outboundCallId: call.callId, to: call.to, from: call.from, answered: false };
    this.loops.push(record);
    const scale = this.timing.msPerSecond;
    const ringMs = scale !== undefined ? call.ringingSec * scale : (loop.ringMs ?? 300);
    return carryLoop(
      { sip: this.sip, rooms: this.rooms, timers: this.timers },
      loop,
      { room, p, from: call.from, to: call.to, fromHost: 'sip.carrier.example', ringMs },
      record,
    );
  }

  private async settle(
    room: RoomState,
    p: ParticipantInfo,
    outcome: CallOutcome,
    dtmf: string,
    maxCallMs: number,
    ringingSec: number,
  ): Promise<TwirpError | undefined> {
    switch (outcome.kind) {
      case 'answer': {
        await this.timers.sleep(outcome.afterMs ?? 50);
        if (!this.inRoom(room, p)) return new TwirpError('canceled', 'call canceled');
        if (dtmf !== '') this.rooms.setAttributes(p, { 'sip.callStatus': 'automation' });
        this.rooms.setAttributes(p, { 'sip.callStatus': 'active' });
        if (maxCallMs > 0) {
          this.timers.after(maxCallMs, () => {
            if (this.inRoom(room, p))
              void this.rooms.leave(room, p.identity, DisconnectReason.CLIENT_INITIATED, { callStatus: 'hangup' });
          });
        }
        return undefined;
      }
      case 'reject': {
        await this.timers.sleep(outcome.afterMs ?? 50);
        const err = sipCallFailure(outcome.sipStatus, outcome.reason);
        // Rejections do not update sip.callStatus (it stays "dialing").
        if (this.inRoom(room, p)) await this.rooms.leave(room, p.identity, disconnectReasonForSip(outcome.sipStatus));
        return err;
      }
      case 'no-answer': {
        const scale = this.timing.msPerSecond;
        await this.timers.sleep(scale !== undefined ? ringingSec * scale : (outcome.afterMs ?? 100));
        if (this.inRoom(room, p)) await this.rooms.leave(room, p.identity, DisconnectReason.USER_UNAVAILABLE);
        return new TwirpError('canceled', 'sip request timed out');
      }
      case 'network-error': {
        await this.timers.sleep(20);
        // livekit/sip pkg/sip/errors.go: *net.OpError → callDropped, SIP_TRUNK_FAILURE, psrpc Unavailable.
        if (this.inRoom(room, p)) await this.rooms.leave(room, p.identity, DisconnectReason.SIP_TRUNK_FAILURE);
        return new TwirpError(
          'unavailable',
          outcome.message ?? 'write udp 10.0.0.5:5060->192.0.2.10:5060: sendto: network is unreachable',
        );
      }
      default:
        return undefined;
    }
  }

  async transfer(req: TransferSIPParticipantRequest, g: Grants | undefined): Promise<TransferSIPParticipantResponse> {
    if (req.roomName === '') throw invalidArgument('Missing room name');
    if (req.participantIdentity === '') throw invalidArgument('Missing participant identity');
    ensureSipCall(g);
    ensureRoomAdmin(g, req.roomName);
    const target = asInvalidArgument(() => validateTransfer(req));
    const room = this.rooms.get(req.roomName);
    const p = room?.participants.get(req.participantIdentity);
    if (!room || !p) throw notFound('participant does not exist');
    if (p.attributes['sip.callID'] === undefined) throw invalidArgument('no SIP session associated with participant');
    const bare = target.replace(/^<(.*)>$/, '$1');
    const outcome = this.transferOutcomes.get(bare) ?? this.transferOutcomes.get('*') ?? { kind: 'accept' };
    await this.timers.sleep(outcome.afterMs ?? 20);
    if (outcome.kind === 'reject') throw sipCallFailure(outcome.sipStatus, outcome.reason);
    // A completed REFER ends our leg of the call.
    if (room.participants.get(p.identity) === p) {
      this.timers.after(
        10,
        () => void this.rooms.leave(room, p.identity, DisconnectReason.CLIENT_INITIATED, { callStatus: 'hangup' }),
      );
    }
    return new TransferSIPParticipantResponse({
      transferId: newId('STR_'),
      status: SIPTransferStatus.STS_TRANSFER_SUCCESSFUL,
    });
  }
}
