/** Traffic on a trunk no binding owns: logged, and reported once per trunk to SUMMARY_CHANNEL. */
import type { InboundCallView } from '../../domain/inbound-call';
import { isoAt, type InboundContext } from './context';
import { unboundMessage } from './messages';

export class UnboundReport {
  private readonly claimed = new Set<string>();

  constructor(private readonly ctx: InboundContext) {}

  async report(call: InboundCallView, trunkKey: string): Promise<void> {
    if (this.claimed.has(trunkKey)) return;
    this.claimed.add(trunkKey);
    const { repos, config } = this.ctx.deps;
    const metaKey = `inbound.unbound.${trunkKey}`;
    if (await repos.meta.get(metaKey)) return;
    await repos.meta.set(metaKey, isoAt(this.ctx, call.joinedAt), new Date(this.ctx.nowMs()));
    const channel = config.summary.channel;
    this.ctx.logger.warn(
      { trunk: trunkKey, room: call.room, rule: call.ruleId },
      'inbound traffic on a trunk no binding owns',
    );
    if (channel) this.ctx.slack().post(channel, unboundMessage(call, trunkKey));
  }
}
