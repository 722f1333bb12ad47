import type { Logger } from 'pino';
import { describeFailure } from '../../domain/livekit-failure';
import type { LiveKitGateway } from '../../livekit/gateway';
import type { CallPlan } from './messages';

/**
 * Ends one test call on LiveKit: hangs up (once the call was answered) and deletes the room.
 * Runs once; shutdown runs it again (`again`), even mid-call. What failed is kept in `problems`.
 */
export class CallCleanup {
  /** What could not be cleaned up, one line each (shared with the call record). */
  readonly problems: string[] = [];
  private placed = false;
  private done = false;

  constructor(
    private readonly livekit: Pick<LiveKitGateway, 'removeParticipant' | 'deleteRoom'>,
    private readonly plan: Pick<CallPlan, 'roomName' | 'identity'>,
    private readonly log: Logger,
    /**
     * Hang up before deleting the room (default). Deleting a room disconnects everyone in it, and
     * livekit-sip ends the SIP call of a participant the room dropped (BYE), so a caller that needs
     * no ordered hang-up (the loopback) saves a round trip with `false`.
     */
    private readonly hangUpFirst = true,
  ) {}

  /** The call was answered: cleaning up hangs up first. */
  markPlaced(): void {
    this.placed = true;
  }

  /** Hang up (if answered) and delete the room; a second call returns the first one's result. */
  async run(): Promise<boolean> {
    if (this.done) return this.problems.length === 0;
    this.done = true;
    const { roomName, identity } = this.plan;
    if (this.placed && this.hangUpFirst) {
      const hang = await this.livekit.removeParticipant(roomName, identity);
      if (!hang.ok && hang.failure.kind !== 'not-found')
        this.problems.push(`hang-up failed (${describeFailure(hang.failure)})`);
    }
    const del = await this.livekit.deleteRoom(roomName);
    if (!del.ok && del.failure.kind !== 'not-found')
      this.problems.push(`deleting room ${roomName} failed (${describeFailure(del.failure)})`);
    if (this.problems.length) this.log.warn({ problems: this.problems }, 'test call cleanup incomplete');
    return this.problems.length === 0;
  }

  /** Shutdown: try once more, even when a cleanup already ran or is running. */
  async again(): Promise<boolean> {
    this.done = false;
    return this.run();
  }
}
