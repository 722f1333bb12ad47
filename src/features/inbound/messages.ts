/** Slack messages of the inbound call feature: pure functions of the call view. */
import type { Binding } from '../../domain/binding';
import { describeEndReason, type InboundCallView, type JoinerView } from '../../domain/inbound-call';
import type { NoiseNote, NoisePolicy } from '../../domain/inbound-noise';
import type { SlackMessage } from '../../slack/block-kit';
import { context, section } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';
import { code, codeContent, escapeMrkdwn, slackDate } from '../../slack/mrkdwn';

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return 'unknown';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function formatTime(ms: number | undefined): string {
  return ms === undefined ? 'unknown time' : slackDate(ms, { seconds: true });
}

function callerText(call: InboundCallView): string {
  return escapeMrkdwn(call.phoneNumber ?? (call.name || call.identity || 'an unknown caller'));
}

function didText(call: InboundCallView, binding: Binding | undefined): string {
  return escapeMrkdwn(call.did ?? binding?.dids[0] ?? 'unknown');
}

function joinerName(j: JoinerView): string {
  return j.name && j.name !== j.identity ? `${code(j.name)} (${code(j.identity)})` : code(j.identity);
}

function agentNames(call: InboundCallView): string {
  return call.joiners
    .filter((j) => j.kind === 'agent')
    .map((j) => code(j.name || j.identity))
    .join(', ');
}

/** One status line for the parent message. */
export function statusLine(call: InboundCallView, binding: Binding): string {
  const expected = binding.agentName;
  const agents = agentNames(call);
  if (!call.ended) {
    if (call.agentJoined)
      return `🟢 *Connected* to agent ${agents} (joined after ${formatDuration(call.agentDelayMs)})`;
    if (call.agentMissing)
      return `⚠️ *No agent yet* — ${code(expected ?? 'agent')} did not join within the timeout; see the thread`;
    if (call.joiners.length) return `🟢 *Connected* to ${call.joiners.map(joinerName).join(', ')}`;
    return expected
      ? `🔔 *Ringing* — waiting for agent ${code(expected)}`
      : '🔔 *In progress* (no agent configured for this binding)';
  }
  const parts = [formatDuration(call.durationMs)];
  if (call.agentJoined) parts.push(`agent ${agents} joined after ${formatDuration(call.agentDelayMs)}`);
  else if (expected) parts.push(`*no agent joined* (expected ${code(expected)})`);
  else if (call.joiners.length) parts.push(`answered by ${call.joiners.map(joinerName).join(', ')}`);
  parts.push(escapeMrkdwn(describeEndReason(call)));
  const icon = call.agentJoined || (!expected && call.joiners.length) ? '✅' : expected ? '⚠️' : '☑️';
  return `${icon} *Ended* · ${parts.join(' · ')}`;
}

export function parentMessage(call: InboundCallView, binding: Binding): SlackMessage {
  const head = `📞 *Inbound call* from ${callerText(call)} to DID ${didText(call, binding)} · binding ${code(binding.name)}`;
  const status = statusLine(call, binding);
  const ctx = [`room ${code(call.room)}`, `started ${formatTime(call.joinedAt)}`];
  if (call.trunkId) ctx.push(`trunk ${code(call.trunkId)}`);
  return {
    text: truncate(
      `Inbound call from ${callerText(call)} to DID ${didText(call, binding)}: ${status.replace(/\*/g, '')}`,
      LIMITS.messageText,
    ),
    blocks: [
      section(truncate(`${head}\n${status}`, LIMITS.sectionText)),
      context(truncate(ctx.join(' · '), LIMITS.sectionText)),
    ],
  };
}

export function callerJoinedReply(call: InboundCallView): SlackMessage {
  const ids = [
    call.trunkId && `trunk ${code(call.trunkId)}`,
    call.ruleId && `rule ${code(call.ruleId)}`,
    call.callId && `call ${code(call.callId)}`,
  ].filter(Boolean);
  return {
    text: `📞 SIP participant ${code(call.identity)} joined room ${code(call.room)} at ${formatTime(call.joinedAt)}${ids.length ? ` (${ids.join(', ')})` : ''}`,
  };
}

export function joinerJoinedReply(j: JoinerView): SlackMessage {
  const when =
    j.delayMs === undefined
      ? ''
      : j.delayMs === 0
        ? ' (it was in the room first)'
        : ` after ${formatDuration(j.delayMs)}`;
  return {
    text:
      j.kind === 'agent' ? `🤖 Agent ${joinerName(j)} joined${when}` : `👤 Participant ${joinerName(j)} joined${when}`,
  };
}

export function endedReply(call: InboundCallView, binding: Binding): SlackMessage {
  const extra =
    !call.agentJoined && binding.agentName ? ` · no agent joined (expected ${code(binding.agentName)})` : '';
  const reason = call.endReason ? ` (${code(call.endReason)})` : '';
  return {
    text: `📴 Hung up after ${formatDuration(call.durationMs)}: ${escapeMrkdwn(describeEndReason(call))}${reason}${extra}`,
  };
}

/**
 * Thread replies due at the same moment, packed into as few text replies as fit `maxChars` each, in
 * order; each packed reply names the milestones (`key`s) it carries.
 */
export function packReplies(
  parts: ReadonlyArray<{ key: string; content: SlackMessage }>,
  maxChars = 3500,
): Array<{ keys: string[]; content: SlackMessage }> {
  const out: Array<{ keys: string[]; content: SlackMessage }> = [];
  for (const { key, content } of parts) {
    const last = out.at(-1);
    if (
      last &&
      !last.content.blocks &&
      !content.blocks &&
      last.content.text.length + 1 + content.text.length <= maxChars
    ) {
      last.content = { text: `${last.content.text}\n${content.text}` };
      last.keys.push(key);
    } else out.push({ keys: [key], content: { ...content } });
  }
  return out;
}

export type RuleCheck =
  | { kind: 'ok'; ruleId: string }
  | { kind: 'missing'; ruleId: string; agents: string[] }
  | { kind: 'rule-not-found'; ruleId: string }
  | { kind: 'unknown'; ruleId?: string; reason: string };

function ruleCheckLine(check: RuleCheck, binding: Binding, agent: string): string {
  switch (check.kind) {
    case 'ok':
      return `✅ dispatch rule ${code(check.ruleId)} lists ${code(agent)} in \`roomConfig.agents\` (checked just now).`;
    case 'missing':
      return `❌ dispatch rule ${code(check.ruleId)} lists ${check.agents.length ? check.agents.map(code).join(', ') : 'no agents'} in \`roomConfig.agents\`, not ${code(agent)}: no job is created for it. Save the binding again with \`/sip-setup ${binding.name}\` to put it back.`;
    case 'rule-not-found':
      return `❌ dispatch rule ${code(check.ruleId)} does not exist any more; \`/sip-setup show ${binding.name}\` shows the drift.`;
    case 'unknown':
      return `❔ the dispatch rule${check.ruleId ? ` ${code(check.ruleId)}` : ''} should list ${code(agent)} in \`roomConfig.agents\`; it could not be read just now (${escapeMrkdwn(check.reason)}).`;
  }
}

/** The agent watchdog's warning with the Sinch guide's checks ("the agent never receives a job"). */
export function agentMissingReply(
  call: InboundCallView,
  binding: Binding,
  timeoutMs: number,
  check: RuleCheck,
): SlackMessage {
  const agent = binding.agentName ?? 'agent';
  const lines = [
    `⚠️ *No agent joined within ${formatDuration(timeoutMs)}* of the caller; the caller hears silence until one does. Checks (Sinch guide: the room is created but the agent never receives a job):`,
    `1. ${ruleCheckLine(check, binding, agent)}`,
    `2. A worker is running and registered under the same agent name, ${code(`agent_name="${agent}"`)}: its log shows \`registered worker\` at start and \`received job request\` for room ${code(call.room)}. Check \`LIVEKIT_URL\`, key and secret of the worker.`,
    `3. Named vs automatic dispatch: a worker registered with an agent name is only dispatched by name, never automatically, and a worker without a name never gets this named job. Both sides must say ${code(agent)}.`,
  ];
  if (binding.dispatch.kind === 'direct') {
    lines.push(
      `4. \`roomConfig.agents\` only applies when the call creates the room. Room ${code(binding.dispatch.roomName)} is fixed (direct dispatch): if it already existed, no agent was dispatched; use individual dispatch or dispatch the agent explicitly.`,
    );
  }
  return { text: truncate(lines.join('\n'), LIMITS.messageText) };
}

/** Inbound traffic that no binding owns (posted once per trunk). */
export function unboundMessage(call: InboundCallView, trunkKey: string): SlackMessage {
  const where = call.trunkId
    ? `LiveKit inbound trunk ${code(call.trunkId)}`
    : `a call without a LiveKit trunk (${code(trunkKey)})`;
  const text = [
    `⚠️ *Inbound traffic that no SIP Ops binding owns* on ${where}${call.ruleId ? `, dispatch rule ${code(call.ruleId)}` : ''}.`,
    `First call: from ${callerText(call)} to ${escapeMrkdwn(call.did ?? 'unknown')} in room ${code(call.room)} at ${formatTime(call.joinedAt)}.`,
    `Further calls on this trunk are not reported. To get call threads, adopt these resources with \`/sip-setup import <name> inbound=${codeContent(call.trunkId ?? 'ST_…')} rule=${codeContent(call.ruleId ?? 'SDR_…')} outbound=ST_…\`, or remove the trunk if the traffic is unexpected.`,
  ].join('\n');
  return { text: truncate(text, LIMITS.messageText) };
}

/** The periodic note that collects folded short calls. */
export function noiseNoteMessage(note: NoiseNote, policy: NoisePolicy): SlackMessage {
  const lines = [
    `🔁 *Repeated short calls* since ${formatTime(note.startedAt)} (likely monitoring or health checks): ${note.total} call${note.total === 1 ? '' : 's'} folded here instead of a thread each.`,
  ];
  for (const e of note.entries.slice(0, 30)) {
    lines.push(
      `• ${escapeMrkdwn(e.caller)} → ${e.dids.map(escapeMrkdwn).join(', ') || 'unknown DID'}: ${e.count}× (longest ${formatDuration(e.maxDurationMs)}, last ${formatTime(e.lastAt)})`,
    );
  }
  if (note.entries.length > 30) lines.push(`…and ${note.entries.length - 30} more callers`);
  lines.push(
    `_Folded: calls under ${formatDuration(policy.shortCallMs)} with no agent and no media, from a caller with ${policy.minCalls} or more such calls within ${formatDuration(policy.windowMs)}._`,
  );
  return { text: truncate(lines.join('\n'), LIMITS.messageText) };
}
