/**
 * Every message of `/sip-test-call` as pure functions: acks and refusals (ephemeral), the
 * parent message (dialing → verdict), the thread milestones and the result with its buttons.
 * Values a user typed go through `escapeMrkdwn` or `code`; text from a SIP peer or LiveKit
 * through `plain`.
 */
import type { Diagnosis } from '../../domain/sip-diagnosis';
import {
  formatDuration,
  TEST_CALL_TIMEOUT,
  TEST_CALL_TIMEOUT_WHY,
  TEST_CALL_USAGE,
  type TestCallVerdict,
} from '../../domain/test-call';
import { trunkDomainKey, type Refusal } from '../../domain/test-call-guards';
import type { TestCallTarget } from '../../domain/test-call-record';
import type { KnownBlock, SlackMessage } from '../../slack/block-kit';
import { context, section } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';
import { channelRef, code, escapeMrkdwn, userRef } from '../../slack/mrkdwn';
import { resultButtons } from './buttons';

export type { SlackMessage };

/** One admitted test call, as the messages need it. */
export interface CallPlan extends TestCallTarget {
  /** The admitted call's id: its guard entry and its call record. */
  callId: string;
  /** The binding's identity (never reused), so a button shown for this call acts only on this binding. */
  bindingId: string;
  outboundTrunkId: string;
  identity: string;
  holdMs: number;
  /** Wait for the EST trunk-domain slot before dialing. */
  delayMs: number;
  /** A loopback: `number` is the binding's own DID, and the call is followed back in (run-loopback.ts). */
  loopback?: boolean;
}

/** Text from LiveKit or a SIP peer: no mentions or links, but our own `code` spans stay. */
export function plain(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 1 ? `${m} min` : `${Math.max(1, Math.ceil(ms / 1000))} s`;
}

function retryIn(ms: number): string {
  if (ms <= 0) return 'in a moment';
  return ms < 60_000 ? `in ${Math.max(1, Math.ceil(ms / 1000))} s` : `in ${Math.ceil(ms / 60_000)} min`;
}

// ------------------------------------------------------------------------------ ephemeral

export function usageText(): string {
  const { defaultSec, minSec, maxSec } = TEST_CALL_TIMEOUT;
  return [
    `Usage: \`${TEST_CALL_USAGE}\``,
    `• \`binding\`: a binding name (\`/sip-setup list\` shows them)`,
    `• \`number\`: the destination with its country code, e.g. \`+1 415 555 0100\``,
    `• \`timeout-seconds\`: how long to let it ring, ${minSec}–${maxSec} (default ${defaultSec}); ${TEST_CALL_TIMEOUT_WHY}`,
  ].join('\n');
}

export function badInputText(error: string): string {
  return `❌ ${escapeMrkdwn(error)}\n${usageText()}`;
}

export function unknownBindingText(name: string, known: string[]): string {
  const list = known.length
    ? ` Bindings: ${known
        .slice(0, 15)
        .map((n) => code(n))
        .join(', ')}${known.length > 15 ? ` and ${known.length - 15} more` : ''}.`
    : ' There are no bindings yet; an admin creates one with `/sip-setup`.';
  return `❌ There is no binding named ${code(name)}.${list} Run \`/sip-setup list\` to see all bindings with their trunks and numbers.`;
}

export function noOutboundTrunkText(name: string): string {
  return `❌ Binding ${code(name)} has no LiveKit outbound trunk, so it cannot place calls. Run \`/sip-setup show ${escapeMrkdwn(name)}\` and save the binding again to recreate it.`;
}

export function refusalText(r: Refusal): string {
  switch (r.code) {
    case 'channel':
      return r.allowedChannels.length
        ? `🚫 Test calls can only be placed in ${r.allowedChannels.map(channelRef).join(', ')}.`
        : '🚫 Test calls are turned off: no channel is listed in `TEST_CALL_CHANNEL_IDS`.';
    case 'user':
      return '🚫 You are not allowed to place test calls. Ask a SIP Ops admin to add your user ID to `TEST_CALL_USER_IDS`.';
    case 'destination':
      return r.allowedPrefixes.length
        ? `🚫 ${code(r.number)} is not an allowed destination: test calls may only dial numbers starting with ${r.allowedPrefixes.map((p) => code(p)).join(', ')} (\`TEST_CALL_ALLOWED_PREFIXES\`).`
        : '🚫 Test calls may not dial any number: `TEST_CALL_ALLOWED_PREFIXES` is empty.';
    case 'in-flight':
      return `🚫 A test call via ${code(r.binding)} is already in progress (to ${code(r.number)}, started by ${userRef(r.user)}). One call per binding at a time: wait until it has finished.`;
    case 'user-rate':
      return `🚫 You have placed ${r.max} test calls in the last ${minutes(r.windowMs)}, the most allowed. Try again ${retryIn(r.retryAfterMs)}.`;
    case 'binding-rate':
      return `🚫 Binding ${code(r.binding)} has carried ${r.max} test calls in the last ${minutes(r.windowMs)}, the most allowed. Try again ${retryIn(r.retryAfterMs)}.`;
    case 'trunk-rate':
      return `🚫 EST allows 1 call per second on trunk ${code(r.trunkDomain)} and other test calls are already queued on it. Try again ${retryIn(r.retryAfterMs)}.`;
    case 'shutting-down':
      return '🚫 SIP Ops is restarting right now. Try again in a minute.';
  }
}

export function startFailedText(): string {
  return '⚠️ SIP Ops could not start the test call (internal error). Try again in a moment.';
}

export function ackText(p: CallPlan): string {
  const wait =
    p.delayMs > 0
      ? ` It starts in ${formatDuration(p.delayMs)} to keep EST's 1 call/s limit on ${code(trunkDomainKey(p.trunkDomain))}.`
      : '';
  return `📞 Placing a test call via ${code(p.binding)} to ${code(p.number)} (rings up to ${p.timeoutSec} s).${wait} Follow it in the thread of the message in this channel.`;
}

export function fallbackNoticeText(p: CallPlan, error: string): string {
  return `📞 Test call via ${code(p.binding)} to ${code(p.number)}: dialing. SIP Ops cannot post in this channel (${code(error)}), so the result comes here instead of a thread. Invite the bot (\`/invite @sip-ops\`) to get the full thread next time.`;
}

// ------------------------------------------------------------------------- parent message

function headText(p: CallPlan, state: string): string {
  return `Test call via ${p.binding} to ${p.number}: ${state}`;
}

function requestedBy(p: CallPlan): string {
  return `Requested by ${userRef(p.actor)} · from ${code(p.callerId)} · ringing timeout ${p.timeoutSec} s · room ${code(p.roomName)}`;
}

export function dialingMessage(p: CallPlan): SlackMessage {
  return {
    text: headText(p, 'dialing'),
    blocks: [
      section(`📞 *Test call* via ${code(p.binding)} to ${code(p.number)}: *dialing…*`),
      context(requestedBy(p)),
    ],
  };
}

const ICON: Record<TestCallVerdict['outcome'], string> = { answered: '✅', failed: '❌', 'no-answer': '⏰' };

function verdictState(v: TestCallVerdict): string {
  if (v.outcome === 'answered') return `answered in ${formatDuration(v.setupMs ?? 0)}`;
  if (v.outcome === 'no-answer') return v.summary;
  return `failed (${v.summary})`;
}

function measurements(v: TestCallVerdict): string {
  const sip =
    v.sipStatus !== null
      ? `${v.sipStatus}${v.sipReason ? ` ${plain(v.sipReason)}` : ''}`
      : v.controlPlane
        ? 'none (LiveKit error)'
        : 'none';
  return [
    `*Answered:* ${v.outcome === 'answered' ? 'yes' : 'no'}`,
    `*SIP status:* ${sip}`,
    `*Time to answer:* ${v.setupMs !== null ? formatDuration(v.setupMs) : '—'}`,
    `*Total time:* ${formatDuration(v.totalMs)}`,
  ].join('   ');
}

export function diagnosisText(d: Diagnosis): string {
  const steps = d.nextSteps.map((s) => `• ${plain(s)}`).join('\n');
  return truncate(`*${plain(d.headline)}*\n${plain(d.cause)}\n*Next checks:*\n${steps}`, LIMITS.sectionText);
}

export function resultMessage(p: CallPlan, v: TestCallVerdict, notes: string[] = []): SlackMessage {
  const blocks: KnownBlock[] = [
    section(`${ICON[v.outcome]} *Test call* via ${code(p.binding)} to ${code(p.number)}: *${plain(verdictState(v))}*`),
    section(measurements(v)),
  ];
  if (v.diagnosis) blocks.push(section(diagnosisText(v.diagnosis)));
  if (notes.length) blocks.push(section(truncate(notes.join('\n'), LIMITS.sectionText)));
  blocks.push(context(requestedBy(p)));
  blocks.push(resultButtons(p));
  const diag = v.diagnosis ? ` — ${v.diagnosis.headline}` : '';
  return { text: truncate(`${headText(p, verdictState(v))}${diag}`, LIMITS.messageText), blocks };
}

// ---------------------------------------------------------------------------- milestones

export function dialingReply(p: CallPlan): string {
  return `☎️ Dialing ${code(p.number)} from ${code(p.callerId)} through outbound trunk ${code(p.outboundTrunkId)} (${code(p.trunkDomain)}), ringing up to ${p.timeoutSec} s.`;
}

export function answeredReply(p: CallPlan, setupMs: number): string {
  return `✅ Answered after ${formatDuration(setupMs)} (SIP 200 OK). Holding the line for ${formatDuration(p.holdMs)}, then hanging up.`;
}

export function hungUpReply(p: CallPlan, heldMs: number, roomDeleted: boolean): string {
  return `📴 Hung up after ${formatDuration(heldMs)} on the line${roomDeleted ? `; room ${code(p.roomName)} deleted` : ''}.`;
}

export function failedReply(v: TestCallVerdict): string {
  const head = v.outcome === 'no-answer' ? `⏰ ${plain(v.summary)}` : `❌ ${plain(v.summary)}`;
  const after = ` after ${formatDuration(v.totalMs)}`;
  return `${head}${after}${v.diagnosis ? `: ${plain(v.diagnosis.headline)}` : ''}.`;
}

export function cleanupReply(p: CallPlan, problems: string[]): string {
  if (problems.length === 0) return `🧹 Cleaned up: room ${code(p.roomName)} is gone.`;
  return `⚠️ Cleanup was incomplete: ${problems.map(plain).join('; ')}. LiveKit closes the empty room by itself after its timeout.`;
}

/** The parent when SIP Ops itself failed mid-call (a bug or the database); the call was still cleaned up. */
export function internalErrorMessage(p: CallPlan): SlackMessage {
  return {
    text: headText(p, 'not completed (internal error)'),
    blocks: [
      section(
        `⚠️ *Test call* via ${code(p.binding)} to ${code(p.number)}: *not completed*: SIP Ops hit an internal error. The room was cleaned up; the service logs have the details.`,
      ),
      context(requestedBy(p)),
      resultButtons(p),
    ],
  };
}

export function abortedNote(): string {
  return '⚠️ SIP Ops was shutting down, so the call was ended early.';
}
