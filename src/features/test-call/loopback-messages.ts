/**
 * Messages of a loopback test call (`/sip-test-call <binding> loopback [did]`): the ack, the parent
 * (dialing → verdict with stage timings), the thread milestones and the "Loopback" button. Text from
 * LiveKit or a SIP peer goes through `plain`.
 */
import {
  formatLoopbackTimings,
  LOOPBACK_STAGE_LABEL,
  LOOPBACK_USAGE,
  type LoopbackVerdict,
  type StageResult,
} from '../../domain/loopback';
import { formatDuration } from '../../domain/test-call';
import { trunkDomainKey } from '../../domain/test-call-guards';
import { CHECK_BINDING_ACTION } from '../../slack/action-ids';
import type { Button, KnownBlock, SlackMessage } from '../../slack/block-kit';
import { context, section } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';
import { code, escapeMrkdwn, userRef } from '../../slack/mrkdwn';
import { loopbackButton } from './loopback-button';
import { diagnosisText, plain, type CallPlan } from './messages';

export function loopbackUsageText(error: string): string {
  return `❌ ${escapeMrkdwn(error)}\nUsage: \`${LOOPBACK_USAGE}\`: dials the binding's own DID (the first, or the one named) from its caller ID, and follows the call back in to the agent.`;
}

export function loopbackAckText(p: CallPlan): string {
  const wait =
    p.delayMs > 0
      ? ` It starts in ${formatDuration(p.delayMs)} to keep EST's 1 call/s limit on ${code(trunkDomainKey(p.trunkDomain))}.`
      : '';
  return `🔁 Loopback via ${code(p.binding)}: calling its own DID ${code(p.number)} from ${code(p.callerId)}.${wait} Follow it in the thread of the message in this channel.`;
}

export function loopbackNoticeText(p: CallPlan, error: string): string {
  return `🔁 Loopback via ${code(p.binding)} to ${code(p.number)}: dialing. SIP Ops cannot post in this channel (${code(error)}), so the result comes here instead of a thread.`;
}

function head(p: CallPlan, state: string): string {
  return `Loopback via ${p.binding} to ${p.number}: ${state}`;
}

function requestedBy(p: CallPlan): string {
  return `Requested by ${userRef(p.actor)} · from ${code(p.callerId)} · ringing timeout ${p.timeoutSec} s · room ${code(p.roomName)}`;
}

export function loopbackDialingMessage(p: CallPlan): SlackMessage {
  return {
    text: head(p, 'dialing'),
    blocks: [
      section(`🔁 *Loopback* via ${code(p.binding)} to its DID ${code(p.number)}: *dialing…*`),
      context(requestedBy(p)),
    ],
  };
}

function stageLine(s: StageResult, failed: boolean): string {
  const icon = s.ok ? '✅' : failed ? '❌' : '▫️';
  const at = s.atMs !== null ? ` — ${formatDuration(s.atMs)}` : '';
  return `${icon} ${LOOPBACK_STAGE_LABEL[s.stage]}${at}`;
}

export function stagesText(v: LoopbackVerdict): string {
  return v.stages.map((s) => stageLine(s, s.stage === v.failedStage)).join('\n');
}

function causesText(v: LoopbackVerdict): string | undefined {
  if (v.ok || v.causes.length === 0) return undefined;
  if (v.diagnosis) return diagnosisText(v.diagnosis);
  return truncate(`*Likely causes:*\n${v.causes.map((c) => `• ${plain(c)}`).join('\n')}`, LIMITS.sectionText);
}

export function loopbackResultMessage(p: CallPlan, v: LoopbackVerdict, notes: string[] = []): SlackMessage {
  const state = v.ok ? `passed in ${formatDuration(v.timings.totalMs)}` : plain(v.summary);
  const blocks: KnownBlock[] = [
    section(`${v.ok ? '✅' : '❌'} *Loopback* via ${code(p.binding)} to ${code(p.number)}: *${state}*`),
    section(stagesText(v)),
    context(formatLoopbackTimings(v.timings)),
  ];
  const causes = causesText(v);
  if (causes) blocks.push(section(causes));
  if (notes.length) blocks.push(section(truncate(notes.join('\n'), LIMITS.sectionText)));
  blocks.push(context(requestedBy(p)));
  blocks.push(loopbackButtons(p));
  return {
    text: truncate(head(p, v.ok ? `passed (${formatLoopbackTimings(v.timings)})` : v.summary), LIMITS.messageText),
    blocks,
  };
}

export function loopbackInternalErrorMessage(p: CallPlan): SlackMessage {
  return {
    text: head(p, 'not completed (internal error)'),
    blocks: [
      section(
        `⚠️ *Loopback* via ${code(p.binding)}: *not completed*: SIP Ops hit an internal error. The rooms were cleaned up; the service logs have the details.`,
      ),
      context(requestedBy(p)),
    ],
  };
}

// ---------------------------------------------------------------------------- milestones

export function loopbackDialReply(p: CallPlan): string {
  return `☎️ Outbound leg: dialing ${code(p.number)} from ${code(p.callerId)} through outbound trunk ${code(p.outboundTrunkId)} (${code(p.trunkDomain)}); waiting for it to come back in through LiveKit.`;
}

export function inboundLegReply(leg: { room: string; trunkId?: string; ruleId?: string }, atMs: number): string {
  return `↩️ Inbound leg seen after ${formatDuration(atMs)} in room ${code(leg.room)} (trunk ${code(leg.trunkId ?? 'none')}, rule ${code(leg.ruleId ?? 'none')}).`;
}

export function agentJoinedReply(name: string, atMs: number): string {
  return `🤖 Agent ${code(name || 'agent')} joined after ${formatDuration(atMs)}.`;
}

export function loopbackCleanupReply(rooms: string[], problems: string[]): string {
  if (problems.length) return `⚠️ Cleanup was incomplete: ${problems.map(plain).join('; ')}.`;
  return `📴 Hung up both legs; ${rooms.map((r) => code(r)).join(' and ')} deleted.`;
}

function loopbackButtons(p: CallPlan): KnownBlock {
  const checks: Button = {
    type: 'button',
    action_id: CHECK_BINDING_ACTION,
    text: { type: 'plain_text', text: 'Run checks for this binding' },
    value: p.binding,
  };
  return {
    type: 'actions',
    block_id: 'loopback_result_actions',
    elements: [loopbackButton({ binding: p.binding, bindingId: p.bindingId, did: p.number }), checks],
  };
}
