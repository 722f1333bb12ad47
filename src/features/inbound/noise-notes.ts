/**
 * Repeated short calls from one caller (monitoring, health checks): counted at their end, held
 * back at their start, and folded into one periodic note per channel (`domain/inbound-noise.ts`).
 */
import type { InboundCallView } from '../../domain/inbound-call';
import {
  emptyNoiseState,
  foldIntoNote,
  pruneNoiseState,
  recordCallEnd,
  shouldHold,
  type NoiseNote,
  type NoiseState,
} from '../../domain/inbound-noise';
import type { MessageHandle } from '../../slack/paced-notifier';
import type { InboundContext } from './context';
import { noiseNoteMessage } from './messages';
import type { CallSession } from './sessions';

export class NoiseNotes {
  private noise: NoiseState = emptyNoiseState();
  private readonly notes = new Map<string, { note: NoiseNote; handle: MessageHandle }>();

  constructor(private readonly ctx: InboundContext) {}

  /** Whether a new call of this caller is held back (it may be one more short call). */
  shouldHold(noiseKey: string, at: number): boolean {
    return shouldHold(this.noise, noiseKey, at, this.ctx.settings.noisePolicy);
  }

  /** Counts an ended call once, for the caller's noise history. */
  countEnd(cs: CallSession, call: InboundCallView): void {
    if (!cs.binding || !cs.noiseKey || cs.noiseCounted) return;
    cs.noiseCounted = true;
    const policy = this.ctx.settings.noisePolicy;
    const endedAt = call.endedAt ?? this.ctx.nowMs();
    const outline = {
      agentJoined: call.agentJoined,
      someoneJoined: call.joiners.length > 0,
      media: call.media,
      endedAt,
      ...(call.durationMs !== undefined ? { durationMs: call.durationMs } : {}),
    };
    this.noise = recordCallEnd(pruneNoiseState(this.noise, endedAt, policy), cs.noiseKey, outline, policy);
  }

  /** Folds the call into its channel's current note (a new note after the note period). */
  fold(cs: CallSession, view: InboundCallView): void {
    if (!cs.binding || !cs.noiseKey) return;
    const { timers, settings } = this.ctx;
    cs.presentation = 'folded';
    if (cs.holdTimer !== undefined) timers.clearTimeout(cs.holdTimer);
    cs.holdTimer = undefined;
    const channel = cs.binding.reportChannel;
    const current = this.notes.get(channel);
    const entry = {
      callerKey: cs.noiseKey,
      caller: view.phoneNumber ?? view.identity,
      ...(view.did ? { did: view.did } : {}),
      at: view.endedAt ?? this.ctx.nowMs(),
      ...(view.durationMs !== undefined ? { durationMs: view.durationMs } : {}),
    };
    const { note, fresh } = foldIntoNote(current?.note, entry, settings.notePeriodMs);
    const content = noiseNoteMessage(note, settings.noisePolicy);
    if (fresh || !current) this.notes.set(channel, { note, handle: this.ctx.slack().post(channel, content) });
    else {
      this.notes.set(channel, { note, handle: current.handle });
      this.ctx.slack().update(current.handle, content);
    }
  }
}
