/**
 * The Slack thread of a call: its parent (posted once, kept live), the milestone replies, and the
 * confirmation that Slack took them (stored, so a replay after a crash posts only the missing ones).
 */
import type { Binding } from '../../domain/binding';
import { callView, type InboundCallView } from '../../domain/inbound-call';
import { describeFailure } from '../../domain/livekit-failure';
import type { SlackMessage } from '../../slack/block-kit';
import type { MessageMetadata } from '../../slack/paced-notifier';
import { withTimeout } from '../../with-timeout';
import type { CallRecords } from './call-records';
import type { InboundContext } from './context';
import {
  agentMissingReply,
  callerJoinedReply,
  endedReply,
  joinerJoinedReply,
  packReplies,
  parentMessage,
  type RuleCheck,
} from './messages';
import type { CallSession, RoomSession } from './sessions';

type Milestone = { key: string; content: SlackMessage };

/** How far before the call's start its parent is looked for (clock skew between this host and Slack). */
const PARENT_LOOKBACK_SEC = 15 * 60;

/** The metadata of a call's parent message: which call it reports. */
export function parentMetadata(recordId: string): MessageMetadata {
  return { event_type: 'sipops_call', event_payload: { call: recordId } };
}

export class CallThread {
  constructor(
    private readonly ctx: InboundContext,
    private readonly records: CallRecords,
  ) {}

  /**
   * Posts the parent (the replies follow in `sync`), or adopts the one posted before a crash.
   * Before the post, the record names the channel without a ts (the "parent posting" marker), and the
   * post carries the call in its metadata: a restart that finds the marker but no ts looks the
   * parent up in the channel instead of posting a second one.
   */
  async open(cs: CallSession, call: InboundCallView): Promise<void> {
    const { timers, settings } = this.ctx;
    if (cs.presentation === 'thread' || !cs.binding) return;
    if (cs.holdTimer !== undefined) timers.clearTimeout(cs.holdTimer);
    cs.holdTimer = undefined;
    cs.presentation = 'thread';
    const binding = cs.binding;
    const channel = binding.reportChannel;
    const content = parentMessage(call, binding);
    const earlier = cs.recordId ? await this.earlierParent(cs.recordId, channel) : undefined;
    if (earlier) {
      // What Slack shows is not known: the next sync sends the current state.
      cs.parent = this.ctx.slack().adopt(channel, earlier.ts, { text: '' });
      delete cs.lastParentJson;
      if (!earlier.stored) this.storeParentTs(earlier.recordId, channel, cs.parent.posted);
      return;
    }
    // A new parent: replies of one that was never posted go to this one.
    cs.replied.clear();
    cs.confirmed.clear();
    // Compact: a caller whose agent is still expected gets a parent that waits a moment for it (an
    // agent joining meanwhile changes the queued post; no extra call).
    const waitForAgent =
      settings.threadMode === 'compact' && binding.agentName && !call.agentJoined && !call.ended && !call.agentMissing;
    const now = this.ctx.nowMs();
    const delayMs = waitForAgent ? (call.joinedAt ?? now) + settings.openingWindowMs - now : 0;
    const metadata = cs.recordId ? { metadata: parentMetadata(cs.recordId) } : {};
    cs.parent = this.ctx.slack().post(channel, content, { delayMs, ...metadata });
    cs.lastParentJson = JSON.stringify(content);
    if (cs.recordId) this.storeParentTs(cs.recordId, channel, cs.parent.posted);
  }

  /**
   * The parent of this call already in Slack: its stored ts, or, when the record says a post was
   * under way (channel, no ts), the one found in the channel. Otherwise sets that marker and
   * returns undefined (post). Store or Slack errors mean posting (a second parent beats none).
   */
  private async earlierParent(
    recordId: string,
    channel: string,
  ): Promise<{ recordId: string; ts: string; stored: boolean } | undefined> {
    const { deps, logger } = this.ctx;
    try {
      const rec = await deps.repos.calls.get(recordId);
      if (rec?.slackChannel === channel && rec.slackTs) return { recordId, ts: rec.slackTs, stored: true };
      if (rec?.slackChannel === channel) {
        const oldestSec = Math.floor(Date.parse(rec.startedAt) / 1000) - PARENT_LOOKBACK_SEC;
        const ts = await this.ctx.slack().findPosted(channel, parentMetadata(recordId), oldestSec);
        if (ts) {
          logger.info({ call: recordId, ts }, 'found the thread parent posted before the restart; carrying on in it');
          return { recordId, ts, stored: false };
        }
        return undefined;
      }
      await deps.repos.calls.update(recordId, { slackChannel: channel, slackTs: null });
    } catch (err) {
      logger.warn(
        { err, call: recordId },
        'could not check for an earlier thread parent of an inbound call; posting one',
      );
    }
    return undefined;
  }

  private storeParentTs(recordId: string, channel: string, posted: Promise<string | undefined>): void {
    const { deps, logger } = this.ctx;
    void deps.inflight.track(
      'inbound:record-ts',
      posted
        .then(async (ts) => {
          if (ts) await deps.repos.calls.update(recordId, { slackChannel: channel, slackTs: ts });
        })
        .catch((err: unknown) =>
          logger.warn({ err, call: recordId }, 'could not store the Slack ts of an inbound call'),
        ),
    );
  }

  /**
   * Posts the replies this call's view calls for and not posted yet, then refreshes the parent.
   * Live threads get each milestone as it happens. Compact threads keep the parent live and hold
   * the milestones back until the hang-up or the agent watchdog's warning: queued together, they
   * become one reply (the notifier merges text replies queued back to back).
   */
  async sync(s: RoomSession, cs: CallSession, view: InboundCallView): Promise<void> {
    const { binding, parent } = cs;
    if (!binding || !parent) return;
    const n = this.ctx.slack();
    for (const reply of packReplies(await this.dueMilestones(cs, view, binding))) {
      const handle = n.reply(parent, reply.content);
      void this.ctx.deps.inflight.track(
        'inbound:reply-confirmed',
        handle.posted.then((ts) => (ts ? this.confirmReplies(s, cs, reply.keys) : undefined)),
      );
    }
    const content = parentMessage(view, binding);
    const json = JSON.stringify(content);
    if (json !== cs.lastParentJson) {
      cs.lastParentJson = json;
      n.update(parent, content);
    }
    // A parent waiting for the agent goes as soon as there is no more need to wait.
    if (view.agentJoined || view.ended || view.agentMissing) n.release(parent);
  }

  /** The milestones due now and not queued yet (marked queued); those due together go out as one reply. */
  private async dueMilestones(cs: CallSession, view: InboundCallView, binding: Binding): Promise<Milestone[]> {
    const due =
      this.ctx.settings.threadMode === 'live' || view.ended || (view.agentMissing && !cs.replied.has('agent-missing'));
    const batch: Milestone[] = [];
    const take = (key: string): boolean => !cs.replied.has(key) && Boolean(cs.replied.add(key));
    if (due && take('started')) batch.push({ key: 'started', content: callerJoinedReply(view) });
    for (const j of due ? view.joiners : [])
      if (take(`joined:${j.key}`)) batch.push({ key: `joined:${j.key}`, content: joinerJoinedReply(j) });
    if (view.agentMissing && take('agent-missing')) {
      const check = await this.checkRule(view, binding);
      batch.push({
        key: 'agent-missing',
        content: agentMissingReply(view, binding, this.ctx.settings.agentTimeoutMs, check),
      });
    }
    if (view.ended && take('ended')) batch.push({ key: 'ended', content: endedReply(view, binding) });
    return batch;
  }

  /** Slack took these replies: store them as posted (in the room's order), so a replay skips them. */
  private confirmReplies(s: RoomSession, cs: CallSession, keys: readonly string[]): Promise<void> {
    return this.ctx.queue.run(s.name, async () => {
      for (const k of keys) cs.confirmed.add(k);
      const view = callView(s.state, cs.key);
      if (view) await this.records.save(s, cs, view);
    });
  }

  /** Live check 1 of the watchdog: does the dispatch rule still name the agent? */
  private async checkRule(view: InboundCallView, binding: Binding): Promise<RuleCheck> {
    const ruleId = view.ruleId || binding.resources.dispatchRuleId;
    const agent = binding.agentName ?? '';
    if (!ruleId) return { kind: 'unknown', reason: 'no dispatch rule ID on the call or the binding' };
    try {
      const res = await withTimeout(
        this.ctx.deps.livekit.listDispatchRules([ruleId]),
        this.ctx.settings.ruleCheckMs,
        () => 'timeout' as const,
      );
      if (res === 'timeout') return { kind: 'unknown', ruleId, reason: 'LiveKit did not answer in time' };
      if (!res.ok) return { kind: 'unknown', ruleId, reason: describeFailure(res.failure) };
      const rule = res.value.find((r) => r.id === ruleId);
      if (!rule) return { kind: 'rule-not-found', ruleId };
      return rule.agents.includes(agent) ? { kind: 'ok', ruleId } : { kind: 'missing', ruleId, agents: rule.agents };
    } catch (err) {
      return { kind: 'unknown', ruleId, reason: (err as Error).message };
    }
  }
}
