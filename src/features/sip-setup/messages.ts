/**
 * Messages of the binding lifecycle as pure functions: progress, result with the EST checklist,
 * failure, list, show (desired vs actual with drift), delete confirmation. Every value a user
 * typed goes through `escapeMrkdwn` or `code`.
 */
import { isIPv4 } from 'node:net';
import type { Binding, BindingSpec } from '../../domain/binding';
import { estStaticEndpoint } from '../../domain/binding';
import type { SpecChange } from '../../domain/binding-input';
import {
  describeRuleKind,
  expectedRoomPattern,
  RESOURCE_LABEL,
  ruleKindFor,
  type ActualResources,
  type DriftItem,
} from '../../domain/binding-resources';
import type { ChangeStep } from '../../domain/change-plan';
import { describeStep } from '../../domain/change-plan';
import type { EstDrift } from '../../domain/est-checks';
import type { Finding } from '../../domain/health-checks';
import type { KnownBlock, ModalView, SlackMessage } from '../../slack/block-kit';
import { context, section } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';
import { channelRef, code, escapeMrkdwn, userRef } from '../../slack/mrkdwn';
import type { ChangeKind } from '../../store/journal-repo';

export { listMessage, type ListQuery } from './list-message';
export type { SlackMessage };

const VERB: Record<ChangeKind, string> = {
  create: 'Creating',
  update: 'Updating',
  import: 'Importing',
  delete: 'Deleting',
};
const DONE: Record<ChangeKind, string> = {
  create: 'created',
  update: 'updated',
  import: 'imported',
  delete: 'deleted',
};

const ICON: Record<ChangeStep['status'], string> = {
  pending: '▫️',
  running: '⏳',
  done: '✅',
  failed: '❌',
  undone: '↩️',
};

function stepLines(steps: ChangeStep[]): string {
  if (steps.length === 0) return '_No LiveKit change needed._';
  return steps.map((s) => `${ICON[s.status]} ${escapeMrkdwn(describeStep(s))}`).join('\n');
}

export function progressMessage(
  kind: ChangeKind,
  name: string,
  actor: string,
  steps: ChangeStep[],
  phase: 'applying' | 'rolling-back',
): SlackMessage {
  const head =
    phase === 'applying'
      ? `${VERB[kind]} binding ${code(name)} for ${userRef(actor)}…`
      : `Rolling back the change to ${code(name)}…`;
  return {
    text: `${VERB[kind]} binding ${name}`,
    blocks: [section(head), section(stepLines(steps))],
  };
}

export interface ChecklistInput {
  spec: BindingSpec;
  /** The IPv4 address of the LiveKit public SIP host, when known. */
  livekitIp?: string;
}

/** The EST side, with the exact values to enter in the Sinch dashboard. */
export function estChecklist({ spec, livekitIp }: ChecklistInput): string {
  const ip = isIPv4(spec.livekitSipHost) ? spec.livekitSipHost : livekitIp;
  const acl = ip
    ? code(`${ip}/32`)
    : `${code(`<public IPv4 of ${spec.livekitSipHost}>/32`)} (could not resolve it here: look it up with \`dig +short ${escapeMrkdwn(spec.livekitSipHost)}\`)`;
  const lines = [
    `*EST checklist* (Sinch dashboard → Elastic SIP Trunking → trunk ${code(spec.trunkDomain)}):`,
    `1. Inbound settings → static endpoint: ${code(estStaticEndpoint(spec))}`,
    spec.auth.kind === 'acl'
      ? `2. Outbound → ACL entry: ${acl}`
      : `2. Outbound → credential list with username ${code(spec.auth.username)} and the password you entered (it is not shown again)`,
    `3. Numbers → assign ${spec.dids.length === 1 ? 'the DID' : `all ${spec.dids.length} DIDs`} to this trunk: ${truncate(spec.dids.map((d) => code(d)).join(' '), 1500)}`,
    `4. Open ${spec.transport === 'tls' ? 'TCP 5061' : `${spec.transport.toUpperCase()} 5060`} and UDP 10000–20000 (RTP) on the LiveKit host to EST.`,
    '5. Wait *60 seconds* after saving before you test: EST needs that long to apply ACL and endpoint changes.',
  ];
  return lines.join('\n');
}

/** What a managed binding holds on the EST side. */
export function estManagedText(binding: Binding): string {
  const e = binding.resources.est ?? {};
  const how = (created: boolean | undefined) => (created ? 'created by SIP Ops' : 'existing, adopted');
  return [
    "*EST side (managed by SIP Ops through Sinch's API)*",
    `• Trunk ${code(e.trunkId ?? '(none)')} (${how(e.trunkCreated)}) for ${code(binding.trunkDomain)}`,
    `• Static endpoint ${code(e.endpointId ?? '(none)')} → ${code(estStaticEndpoint(binding))}`,
    e.aclId
      ? `• ACL ${code(e.aclId)} (${how(e.aclCreated)}) allowing ${code(`${e.aclIp ?? '?'}/32`)}, linked to the trunk`
      : '',
    e.credentialListId
      ? `• Credential list ${code(e.credentialListId)} (${how(e.credentialListCreated)}), linked to the trunk`
      : '',
    `• DIDs on the trunk: ${binding.dids.map(code).join(', ')}`,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** The line shown where the EST side would be when there is no Sinch access key. */
export const EST_NOT_MANAGED = 'EST not managed: no Sinch access key';

export function resultMessage(
  kind: ChangeKind,
  binding: Binding,
  steps: ChangeStep[],
  livekitIp?: string,
  sinchKey = true,
): SlackMessage {
  const r = binding.resources;
  const ids = [
    `Inbound trunk: ${code(r.inboundTrunkId ?? '(none)')}`,
    `Dispatch rule: ${code(r.dispatchRuleId ?? '(none)')}${binding.agentName ? ` → agent ${code(binding.agentName)}` : ''}`,
    `Outbound trunk: ${code(r.outboundTrunkId ?? '(none)')}`,
    `Inbound calls land in rooms like ${code(expectedRoomPattern(binding))}`,
  ].join('\n');
  const blocks: KnownBlock[] = [
    section(`✅ Binding ${code(binding.name)} ${DONE[kind]}.`),
    section(stepLines(steps)),
    section(ids),
    binding.est?.side === 'managed'
      ? section(estManagedText(binding))
      : section(estChecklist({ spec: binding, ...(livekitIp ? { livekitIp } : {}) })),
    ...(sinchKey ? [] : [context(`${EST_NOT_MANAGED}: follow the checklist in the Sinch dashboard.`)]),
    context(
      `Next: \`/sip-test-call ${escapeMrkdwn(binding.name)} <number>\` to test outbound, \`/sip-setup check ${escapeMrkdwn(binding.name)}\` to validate.`,
    ),
  ];
  return { text: `Binding ${binding.name} ${DONE[kind]}`, blocks };
}

export function deletedMessage(name: string, steps: ChangeStep[]): SlackMessage {
  return {
    text: `Binding ${name} deleted`,
    blocks: [
      section(`🗑️ Binding ${code(name)} deleted. LiveKit no longer holds its trunks or dispatch rule.`),
      section(stepLines(steps)),
      context('Remove the static endpoint and DID assignment on the EST side if the trunk is no longer used.'),
    ],
  };
}

export function failureMessage(
  kind: ChangeKind,
  name: string,
  steps: ChangeStep[],
  reason: string,
  rolledBack: boolean,
  journalId: string,
): SlackMessage {
  const both = steps.some((s) => s.op === 'est');
  const outcome = rolledBack
    ? both
      ? 'Everything this change did in LiveKit and on the EST side was rolled back: both are as they were before (numbers back on their previous trunk), and the binding is unchanged.'
      : 'Everything this change did in LiveKit was rolled back: LiveKit is as it was before, and the binding is unchanged.'
    : '⚠️ The rollback has not finished yet (LiveKit or the database did not answer). SIP Ops retries it every minute and at the next start; the binding is unchanged.';
  return {
    text: `${VERB[kind]} binding ${name} failed`,
    blocks: [
      section(`❌ ${VERB[kind]} binding ${code(name)} failed.\n*Cause:* ${escapeMrkdwn(truncate(reason, 1200))}`),
      section(stepLines(steps)),
      section(outcome),
      context(`Change ${code(journalId)} · check LiveKit with \`/sip-setup check\` and try again.`),
    ],
  };
}

export function notStartedMessage(kind: ChangeKind, name: string, cause: string): SlackMessage {
  return {
    text: `${VERB[kind]} binding ${name} did not start`,
    blocks: [
      section(`❌ ${VERB[kind]} binding ${code(name)} did not start: ${escapeMrkdwn(truncate(cause, 1000))}.`),
      section(
        'Nothing was changed in LiveKit or in the binding. Check the service logs and `/readyz`, then try again.',
      ),
    ],
  };
}

export function changesText(changes: SpecChange[]): string {
  if (changes.length === 0) return 'no field changed';
  return changes
    .map((c) => `• ${c.field}: ${escapeMrkdwn(truncate(c.before, 200))} → ${escapeMrkdwn(truncate(c.after, 200))}`)
    .join('\n');
}

/** Posted in the binding's report channel after a change. */
export function announcement(
  kind: ChangeKind,
  name: string,
  actor: string,
  changes: SpecChange[] | undefined,
): SlackMessage {
  const head = `🔧 ${userRef(actor)} ${DONE[kind]} SIP binding ${code(name)}.`;
  const body = changes && kind === 'update' ? `\n${changesText(changes)}` : '';
  return {
    text: `${actor} ${DONE[kind]} binding ${name}`,
    blocks: [section(truncate(head + body, LIMITS.sectionText))],
  };
}

export type EstShowState =
  { state: 'no-key' } | { state: 'error'; error: string } | { state: 'read'; findings: Finding[]; drift: EstDrift[] };

const FINDING_ICON: Record<Finding['status'], string> = { pass: '✅', warn: '⚠️', fail: '❌' };

/** `show`'s EST section: the side, then desired vs actual (each check) and the drift, field by field. */
export function estShowBlocks(b: Binding, s: EstShowState): KnownBlock[] {
  const side = b.est?.side === 'managed' ? 'managed by SIP Ops' : 'manual (checklist)';
  if (s.state === 'no-key') return [section(`*EST side* (${side})\n${EST_NOT_MANAGED}.`)];
  if (s.state === 'error')
    return [
      section(
        `*EST side* (${side})\n⚠️ Could not read EST: ${escapeMrkdwn(truncate(s.error, 500))}. Desired state shown only.`,
      ),
    ];
  const lines = s.findings.map(
    (f) => `${FINDING_ICON[f.status]} ${escapeMrkdwn(f.title)}: ${escapeMrkdwn(truncate(f.evidence, 300))}`,
  );
  const drift = s.drift.length
    ? s.drift
        .map(
          (d) =>
            `⚠️ drift: ${escapeMrkdwn(d.what)}: binding ${code(truncate(d.desired, 200))}, EST ${code(truncate(d.actual, 200))}`,
        )
        .join('\n')
    : '✅ No drift: EST matches the binding.';
  return [
    section(truncate(`*EST side* (${side}): desired vs actual\n${lines.join('\n')}`, LIMITS.sectionText)),
    section(truncate(drift, LIMITS.sectionText)),
  ];
}

export function showMessage(
  binding: Binding,
  actual: ActualResources | undefined,
  drift: DriftItem[],
  livekitError?: string,
): SlackMessage {
  const b = binding;
  const desired = [
    `*Binding ${code(b.name)}* (version ${b.version}, updated by ${userRef(b.updatedBy)} ${escapeMrkdwn(b.updatedAt)})`,
    `EST trunk domain: ${code(b.trunkDomain)} · transport ${b.transport.toUpperCase()}${b.transport === 'tls' ? ' + SRTP' : ''}`,
    `DIDs: ${truncate(b.dids.map((d) => code(d)).join(' '), 1200)}`,
    `Caller ID: ${code(b.callerId)} · auth: ${b.auth.kind === 'acl' ? 'ACL' : `digest, username ${code(b.auth.username)} (password set: ${b.auth.password ? 'yes' : 'unknown, imported'})`}`,
    `Dispatch: ${escapeMrkdwn(describeRuleKind(ruleKindFor(b.dispatch)))}${b.agentName ? ` · agent ${code(b.agentName)}` : ''} · rooms like ${code(expectedRoomPattern(b))}`,
    `LiveKit public SIP host: ${code(b.livekitSipHost)} · EST static endpoint ${code(estStaticEndpoint(b))} · reports in ${channelRef(b.reportChannel)}`,
  ].join('\n');
  const blocks: KnownBlock[] = [section(truncate(desired, LIMITS.sectionText))];
  if (livekitError) {
    blocks.push(section(`⚠️ Could not read LiveKit: ${escapeMrkdwn(livekitError)}. Desired state shown only.`));
  } else if (actual) {
    const r = b.resources;
    const line = (kind: keyof ActualResources, id: string | undefined, extra: string): string =>
      `${actual[kind] ? '✅' : '❌'} ${RESOURCE_LABEL[kind === 'rule' ? 'rule' : kind]} ${code(id ?? '(none)')}${actual[kind] ? extra : ' — missing in LiveKit'}`;
    const lines = [
      line(
        'inbound',
        r.inboundTrunkId,
        actual.inbound
          ? ` · ${actual.inbound.numbers.length} numbers · media encryption ${actual.inbound.mediaEncryption}`
          : '',
      ),
      line(
        'rule',
        r.dispatchRuleId,
        actual.rule
          ? ` · ${escapeMrkdwn(describeRuleKind(actual.rule.rule))} · agents ${escapeMrkdwn(actual.rule.agents.join(', ') || '(none)')}`
          : '',
      ),
      line(
        'outbound',
        r.outboundTrunkId,
        actual.outbound
          ? ` · ${code(actual.outbound.address)} ${actual.outbound.transport.toUpperCase()} · numbers ${escapeMrkdwn(actual.outbound.numbers.join(', '))}`
          : '',
      ),
    ];
    blocks.push(section(`*In LiveKit now*\n${lines.join('\n')}`));
    if (drift.length === 0) blocks.push(section('✅ No drift: LiveKit matches the binding.'));
    else {
      const items = drift.map(
        (d) =>
          `⚠️ ${RESOURCE_LABEL[d.resource]} ${escapeMrkdwn(d.field)}: binding ${code(truncate(d.expected, 300))}, LiveKit ${code(truncate(d.actual, 300))}`,
      );
      blocks.push(
        section(
          truncate(`*Drift* (changed outside SIP Ops, e.g. with \`lk\`):\n${items.join('\n')}`, LIMITS.sectionText),
        ),
      );
      blocks.push(
        context(`To put the binding's values back, open \`/sip-setup ${escapeMrkdwn(b.name)}\` and press Apply.`),
      );
    }
  }
  return { text: `Binding ${b.name}`, blocks };
}

export const DELETE_CONFIRM_CALLBACK = 'binding_delete_confirm';

/** What the delete dialog carries: the binding, the version it showed, where the command was typed. */
export interface DeleteConfirmMeta {
  name: string;
  /** The binding's identity (never reused). */
  id: string;
  version: number;
  channel: string;
}

export function encodeDeleteMeta(m: DeleteConfirmMeta): string {
  return JSON.stringify(m);
}

export function decodeDeleteMeta(s: string): DeleteConfirmMeta | undefined {
  try {
    const v = JSON.parse(s) as Partial<DeleteConfirmMeta>;
    if (
      typeof v.name === 'string' &&
      typeof v.id === 'string' &&
      v.id &&
      typeof v.version === 'number' &&
      typeof v.channel === 'string'
    ) {
      return { name: v.name, id: v.id, version: v.version, channel: v.channel };
    }
  } catch {
    // fall through
  }
  return undefined;
}

export function deleteConfirmModal(binding: Binding, channel: string): ModalView {
  const r = binding.resources;
  return {
    type: 'modal',
    callback_id: DELETE_CONFIRM_CALLBACK,
    private_metadata: encodeDeleteMeta({ name: binding.name, id: binding.id, version: binding.version, channel }),
    title: { type: 'plain_text', text: 'Delete binding?' },
    submit: { type: 'plain_text', text: 'Delete' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `Delete binding ${code(binding.name)} and its LiveKit resources?\n` +
          `• dispatch rule ${code(r.dispatchRuleId ?? '(none)')}\n• inbound trunk ${code(r.inboundTrunkId ?? '(none)')}\n• outbound trunk ${code(r.outboundTrunkId ?? '(none)')}`,
      ),
      section(
        `Inbound calls to ${binding.dids.length === 1 ? code(binding.dids[0] ?? '') : `its ${binding.dids.length} DIDs`} will be rejected by LiveKit, and test calls through it stop working.`,
      ),
      ...estDeleteBlocks(binding),
    ],
  };
}

export const RELEASE_DIDS_BLOCK = 'releaseDids';

/** A managed binding: what goes on the EST side, and the question whether its DIDs leave the trunk. */
function estDeleteBlocks(binding: Binding): KnownBlock[] {
  const est = binding.resources.est;
  if (binding.est?.side !== 'managed' || !est?.trunkId) return [];
  const goes = [
    est.trunkCreated
      ? `EST trunk ${code(est.trunkId)} (created by this binding)`
      : `nothing of EST trunk ${code(est.trunkId)} itself (it existed before the binding)`,
    est.aclId && est.aclCreated
      ? `ACL ${code(est.aclId)}`
      : est.aclId && est.aclLinked
        ? `the link of shared ACL ${code(est.aclId)} (the ACL stays)`
        : '',
    est.credentialListId && est.credentialListCreated ? `credential list ${code(est.credentialListId)}` : '',
    est.endpointId && est.endpointCreated && !est.trunkCreated ? `endpoint ${code(est.endpointId)}` : '',
  ].filter((x) => x !== '');
  const opt = (value: string, text: string) => ({ text: { type: 'plain_text' as const, text }, value });
  const keep = opt('keep', 'Keep them on the EST trunk');
  return [
    section(`On the Sinch side this removes:\n${goes.map((g) => `• ${g}`).join('\n')}`),
    {
      type: 'input',
      block_id: RELEASE_DIDS_BLOCK,
      label: { type: 'plain_text', text: 'Release the DIDs from the EST trunk?' },
      element: {
        type: 'radio_buttons',
        action_id: 'value',
        options: [keep, opt('release', 'Release them (back to no EST trunk)')],
        initial_option: keep,
      },
    },
  ];
}
