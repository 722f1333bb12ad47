/**
 * `/sip-setup`: create, edit, import, show, list and delete bindings. Listeners ack first;
 * LiveKit work runs after the ack through the journaled `ChangeExecutor`.
 */
import { isIPv4 } from 'node:net';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AppDeps, Feature, FeatureContext } from '../../app';
import type { Binding, BindingSpec } from '../../domain/binding';
import { specOf } from '../../domain/binding';
import { channelIdFrom, diffSpecs, fieldsFromSpec, isBindingName, specFromFields, type BindingFieldErrors } from '../../domain/binding-input';
import { driftOf, specFromResources, type ActualResources } from '../../domain/binding-resources';
import { planCreate, planDelete, planUpdate, type ChangeStep } from '../../domain/change-plan';
import { findInboundTrunkConflicts } from '../../domain/conflicts';
import { describeFailure } from '../../domain/livekit-failure';
import type { ModalView } from '../../slack/block-kit';
import { code, escapeMrkdwn } from '../../slack/mrkdwn';
import type { ChangeKind } from '../../store/journal-repo';
import { withTimeout } from '../../with-timeout';
import { dnsLookupResolver } from '../../sip/dns-resolver';
import { BINDING_MODAL_CALLBACK, bindingModal, decodeMeta, errorsForView, noticeModal, readBindingForm, type ModalMeta } from './binding-modal';
import { ChangeExecutor, ChangeNotStartedError, type ChangeOutcome, type RecoveryReport } from './change-executor';
import {
  announcement,
  decodeDeleteMeta,
  DELETE_CONFIRM_CALLBACK,
  deleteConfirmModal,
  deletedMessage,
  failureMessage,
  listMessage,
  notStartedMessage,
  progressMessage,
  resultMessage,
  showMessage,
} from './messages';
import { ProgressMessage } from './progress';
import type { SubcommandContext } from './router';

export interface SipSetupOptions {
  /** IPv4 of the LiveKit public SIP host for the ACL line (default: DNS with a 1 s bound). */
  lookupIpv4?: (host: string) => Promise<string | undefined>;
  /** How long submit validation waits for LiveKit before giving up (Slack allows 3 s in all). */
  conflictCheckMs?: number;
  /** Retry period for rollbacks that could not finish. */
  recoveryRetryMs?: number;
}

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The first IPv4 address of `host`, within 1 s, or undefined. */
const resolveHost = dnsLookupResolver(1000);
async function defaultLookup(host: string): Promise<string | undefined> {
  const r = await resolveHost(host);
  return r.ok ? r.addresses.find((a) => isIPv4(a)) : undefined;
}

export function sipSetupFeature(deps: AppDeps, opts: SipSetupOptions = {}): Feature {
  const { repos, livekit, logger: rootLogger, config, inflight, now } = deps;
  const logger = rootLogger.child({ feature: 'sip-setup' });
  const executor = new ChangeExecutor({ livekit, repos, logger, now });
  const lookupIpv4 = opts.lookupIpv4 ?? defaultLookup;
  const conflictCheckMs = opts.conflictCheckMs ?? 2000;
  let retryTimer: NodeJS.Timeout | undefined;
  let notify: WebClient | undefined;
  let boltClient: WebClient | undefined;

  const isAdmin = (user: string): boolean => config.adminUserIds.includes(user);
  const refusal = (what: string): string =>
    `Only SIP Ops admins can ${what}. Ask an admin, or have your user ID added to \`ADMIN_USER_IDS\`.`;

  // ----------------------------------------------------------------------------- modals

  /** Open a placeholder at once (trigger IDs expire in 3 s), then fill it after any I/O. */
  async function openThenFill(client: WebClient, triggerId: string, title: string, fill: () => Promise<ModalView>): Promise<void> {
    const opened = await client.views.open({ trigger_id: triggerId, view: noticeModal(title, '⏳ Loading…') });
    const view = await fill();
    const id = opened.view?.id;
    if (!id) return;
    await client.views.update({ view_id: id, ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view });
  }

  async function openForm({ args, name }: SubcommandContext & { name: string }): Promise<void> {
    const { command, ack, client } = args;
    if (!isAdmin(command.user_id)) {
      await ack({ response_type: 'ephemeral', text: refusal('create or change bindings') });
      return;
    }
    await ack();
    const channel = command.channel_id;
    if (!name) {
      await client.views.open({ trigger_id: command.trigger_id, view: bindingModal({ mode: 'create', channel }) });
      return;
    }
    await openThenFill(client, command.trigger_id, 'Edit SIP binding', async () => {
      const wanted = name.toLowerCase();
      const binding = await repos.bindings.get(wanted);
      if (!binding) {
        return noticeModal(
          'No such binding',
          `There is no binding named ${code(name)}. \`/sip-setup list\` shows them; \`/sip-setup\` creates one; \`/sip-setup help\` lists the commands.`,
        );
      }
      return bindingModal({ mode: 'edit', name: binding.name, version: binding.version, channel }, fieldsFromSpec(binding));
    });
  }

  /** Problems the form alone cannot see: names, DID ownership, LiveKit's own conflict rules. */
  async function crossChecks(spec: BindingSpec, meta: ModalMeta, existing: Binding | undefined): Promise<BindingFieldErrors> {
    const errors: BindingFieldErrors = {};
    if (meta.mode === 'create' && existing) errors.name = `A binding named ${spec.name} exists already. Pick another name, or edit it with /sip-setup ${spec.name}.`;
    if (meta.mode === 'edit' && !existing) errors.trunkDomain = `Binding ${spec.name} was deleted while this form was open.`;
    if (meta.mode === 'edit' && existing && existing.version !== meta.version) {
      errors.trunkDomain = `Binding ${spec.name} was changed by ${existing.updatedBy} since you opened this form. Close it and open /sip-setup ${spec.name} again.`;
    }
    if (executor.isBusy(spec.name)) errors[meta.mode === 'create' ? 'name' : 'trunkDomain'] = `A change to ${spec.name} is running right now. Wait for it to finish.`;
    if (Object.keys(errors).length) return errors;

    const owners: string[] = [];
    for (const other of await repos.bindings.list()) {
      if (other.name === spec.name) continue;
      const shared = other.dids.filter((d) => spec.dids.includes(d));
      if (shared.length) owners.push(`${shared.join(', ')} belong${shared.length === 1 ? 's' : ''} to binding ${other.name}`);
    }
    if (owners.length) {
      errors.dids = `${owners.join('; ')}. A DID can be in one binding only.`;
      return errors;
    }
    const inbound = await withTimeout(livekit.listInboundTrunks(), conflictCheckMs, () => 'timeout' as const);
    if (inbound === 'timeout' || !inbound.ok) {
      const why = inbound === 'timeout' ? 'LiveKit did not answer in time' : describeFailure(inbound.failure);
      errors.dids = `Could not check these DIDs against LiveKit (${why}). Nothing was changed; try again in a moment.`;
      return errors;
    }
    const conflicts = findInboundTrunkConflicts(inbound.value, {
      ...(existing?.resources.inboundTrunkId ? { id: existing.resources.inboundTrunkId } : {}),
      numbers: spec.dids,
      allowedNumbers: [],
    });
    if (conflicts.length) {
      const list = conflicts
        .slice(0, 3)
        .map((c) => (c.numbers.length ? `${c.numbers.join(', ')} on trunk ${c.trunkId} (${c.trunkName || 'unnamed'})` : `wildcard trunk ${c.trunkId} (${c.trunkName || 'unnamed'})`))
        .join('; ');
      errors.dids = `LiveKit would refuse these DIDs: ${list}${conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : ''}. Remove them there (lk sip inbound delete …) or import that trunk.`;
    }
    return errors;
  }

  async function onFormSubmit({ ack, body, view, client }: ViewArgs): Promise<void> {
    const user = body.user.id;
    const meta = decodeMeta(view.private_metadata);
    if (!meta) {
      await ack({ response_action: 'errors', errors: { trunkDomain: 'This form is from an older version of SIP Ops. Close it and run /sip-setup again.' } });
      return;
    }
    if (!isAdmin(user)) {
      await ack({ response_action: 'errors', errors: { trunkDomain: refusal('create or change bindings') } });
      return;
    }
    const input = readBindingForm(view.state.values, meta);
    const existing = meta.mode === 'edit' && meta.name ? await repos.bindings.get(meta.name) : undefined;
    const parsed = specFromFields(input, existing ? { existing } : {});
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: errorsForView(parsed.errors, meta.mode) });
      return;
    }
    const spec = parsed.spec;
    const existingForName = meta.mode === 'create' ? await repos.bindings.get(spec.name) : existing;
    const errors = await crossChecks(spec, meta, existingForName);
    const reserved = Object.keys(errors).length ? undefined : await executor.reserveFor(spec.name, user);
    if (!reserved?.ok) {
      const e = reserved ? { [meta.mode === 'create' ? 'name' : 'trunkDomain']: `A change to ${spec.name} is in progress by @${reserved.holder}.` } : errors;
      await ack({ response_action: 'errors', errors: errorsForView(e, meta.mode) });
      return;
    }
    await ack({ response_action: 'clear' });
    const kind: ChangeKind = meta.mode === 'create' ? 'create' : 'update';
    void inflight.track(
      `sip-setup:${kind}:${spec.name}`,
      runChange({ kind, spec, previous: existing, actor: user, channel: meta.channel, client, viewId: view.id }),
    );
  }

  // ------------------------------------------------------------------------- the change

  interface RunChangeInput {
    kind: ChangeKind;
    spec: BindingSpec;
    previous: Binding | undefined;
    actor: string;
    channel: string;
    client: WebClient;
    viewId?: string;
    /** Import: the resources being adopted and the plan already made. */
    steps?: ChangeStep[];
    resources?: Binding['resources'];
    notes?: string[];
  }

  /** Runs with the binding name reserved; always releases it. */
  async function runChange(r: RunChangeInput): Promise<ChangeOutcome | undefined> {
    const progress = new ProgressMessage(r.client, logger, r.channel, r.actor);
    try {
      let steps: ChangeStep[];
      if (r.steps) steps = r.steps;
      else if (r.kind === 'create') steps = planCreate();
      else if (r.kind === 'delete') steps = planDelete(r.previous?.resources ?? {});
      else {
        const ids = r.previous?.resources ?? {};
        const actual = await readActual(ids);
        if (!actual.ok) {
          await progress.show(failureMessage(r.kind, r.spec.name, [], `reading the current LiveKit state failed: ${actual.error}`, true, '(not started)'));
          return undefined;
        }
        const plan = planUpdate(r.previous, r.spec, ids, actual.value);
        if (!plan.ok) {
          await progress.show(failureMessage(r.kind, r.spec.name, [], plan.reason, true, '(not started)'));
          return undefined;
        }
        steps = plan.steps;
      }
      await progress.show(progressMessage(r.kind, r.spec.name, r.actor, steps, 'applying'));
      const outcome = await executor.run(
        {
          kind: r.kind,
          actor: r.actor,
          spec: r.spec,
          ...(r.previous ? { previous: r.previous } : {}),
          ...(r.resources ? { resources: r.resources } : {}),
          steps,
          ...(r.viewId ? { viewId: r.viewId } : {}),
        },
        (s, phase) => void progress.show(progressMessage(r.kind, r.spec.name, r.actor, s, phase)),
      );
      if (outcome.ok) {
        if (r.kind === 'delete') await progress.show(deletedMessage(r.spec.name, outcome.steps));
        else if (outcome.binding) {
          const ip = await lookupIpv4(outcome.binding.livekitSipHost);
          const msg = resultMessage(r.kind, outcome.binding, outcome.steps, ip);
          if (r.notes?.length) msg.blocks.splice(1, 0, { type: 'section', text: { type: 'mrkdwn', text: r.notes.join('\n').slice(0, 2900) } });
          await progress.show(msg);
        }
        const changes = r.previous && r.kind === 'update' ? diffSpecs(r.previous, r.spec) : undefined;
        const target = r.kind === 'delete' ? r.previous?.reportChannel : outcome.binding?.reportChannel;
        if (target && target !== progress.message?.channel) await announce(target, announcement(r.kind, r.spec.name, r.actor, changes));
      } else {
        await repos.audit.record(
          { actor: r.actor, action: `binding.${r.kind}_failed`, bindingName: r.spec.name, detail: `journal ${outcome.journalId}: ${outcome.reason}; rolled back: ${outcome.rolledBack}` },
          now(),
        );
        await progress.show(failureMessage(r.kind, r.spec.name, outcome.steps, outcome.reason, outcome.rolledBack, outcome.journalId));
        if (!outcome.rolledBack) scheduleRetry();
      }
      return outcome;
    } catch (err) {
      logger.error({ err, binding: r.spec.name }, 'binding change stopped by an error');
      if (err instanceof ChangeNotStartedError) {
        await progress.show(notStartedMessage(r.kind, r.spec.name, err.message));
      } else {
        // The journal says how far it got; recovery rolls it back once the cause is gone.
        await progress.show(failureMessage(r.kind, r.spec.name, [], `stopped by an error: ${(err as Error).message}`, false, '(see logs)'));
        scheduleRetry();
      }
      return undefined;
    } finally {
      executor.release(r.spec.name);
    }
  }

  async function announce(channel: string, msg: { text: string; blocks: unknown[] }): Promise<void> {
    const client = notify ?? boltClient;
    if (!client) return;
    try {
      await client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks as never, unfurl_links: false });
    } catch (err) {
      logger.warn({ err, channel }, 'could not announce in the report channel (is the bot a member?)');
    }
  }

  async function readActual(ids: Binding['resources']): Promise<{ ok: true; value: ActualResources } | { ok: false; error: string }> {
    const [inb, rule, outb] = await Promise.all([
      ids.inboundTrunkId ? livekit.listInboundTrunks([ids.inboundTrunkId]) : Promise.resolve({ ok: true as const, value: [] }),
      ids.dispatchRuleId ? livekit.listDispatchRules([ids.dispatchRuleId]) : Promise.resolve({ ok: true as const, value: [] }),
      ids.outboundTrunkId ? livekit.listOutboundTrunks([ids.outboundTrunkId]) : Promise.resolve({ ok: true as const, value: [] }),
    ]);
    if (!inb.ok) return { ok: false, error: describeFailure(inb.failure) };
    if (!rule.ok) return { ok: false, error: describeFailure(rule.failure) };
    if (!outb.ok) return { ok: false, error: describeFailure(outb.failure) };
    return {
      ok: true,
      value: {
        inbound: inb.value.find((t) => t.id === ids.inboundTrunkId),
        rule: rule.value.find((t) => t.id === ids.dispatchRuleId),
        outbound: outb.value.find((t) => t.id === ids.outboundTrunkId),
      },
    };
  }

  // ------------------------------------------------------------------------- recovery

  async function recover(): Promise<void> {
    let reports: RecoveryReport[];
    try {
      reports = await executor.recover();
    } catch (err) {
      logger.error({ err }, 'journal recovery failed; retrying later');
      scheduleRetry();
      return;
    }
    for (const rep of reports) {
      const { entry, outcome } = rep;
      logger.warn({ journalId: entry.id, binding: entry.bindingName, kind: entry.kind, outcome }, 'recovered an interrupted binding change');
      if (outcome === 'stuck') continue;
      if (outcome === 'rolled-back') {
        await repos.audit.record({ actor: entry.actor, action: `binding.${entry.kind}_rolled_back`, bindingName: entry.bindingName, detail: `journal ${entry.id}: interrupted, rolled back by recovery` }, now());
      }
      const text =
        outcome === 'completed'
          ? `♻️ Deleting binding ${code(entry.bindingName)} was interrupted before it finished (the service stopped or its database was not writable); SIP Ops finished it.`
          : `♻️ A change to binding ${code(entry.bindingName)} (${entry.kind} by <@${entry.actor}>) was interrupted before it finished (the service stopped or its database was not writable). SIP Ops rolled it back: LiveKit is as it was before. Run it again if it is still wanted.`;
      await announce(entry.request.spec.reportChannel, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    }
    if (reports.some((r) => r.outcome === 'stuck')) scheduleRetry();
  }

  function scheduleRetry(): void {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void inflight.track('sip-setup:recovery', recover());
    }, opts.recoveryRetryMs ?? 60_000);
    retryTimer.unref();
  }

  // ----------------------------------------------------------------------- subcommands

  async function list({ args }: SubcommandContext): Promise<void> {
    const bindings = await repos.bindings.list();
    await args.ack({ response_type: 'ephemeral', ...listMessage(bindings) });
  }

  async function show({ args, argv }: SubcommandContext): Promise<void> {
    const name = (argv[0] ?? '').toLowerCase();
    if (!name) {
      await args.ack({ response_type: 'ephemeral', text: 'Usage: `/sip-setup show <name>`. `/sip-setup list` shows the names.' });
      return;
    }
    const binding = await repos.bindings.get(name);
    if (!binding) {
      await args.ack({ response_type: 'ephemeral', text: `There is no binding named ${code(name)}. \`/sip-setup list\` shows them.` });
      return;
    }
    await args.ack({ response_type: 'ephemeral', text: `Reading binding ${code(name)} from LiveKit…` });
    const actual = await readActual(binding.resources);
    const msg = actual.ok ? showMessage(binding, actual.value, driftOf(binding, binding.resources, actual.value)) : showMessage(binding, undefined, [], actual.error);
    await args.respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks });
  }

  async function del({ args, argv }: SubcommandContext): Promise<void> {
    const { command, ack, client } = args;
    if (!isAdmin(command.user_id)) {
      await ack({ response_type: 'ephemeral', text: refusal('delete bindings') });
      return;
    }
    const name = (argv[0] ?? '').toLowerCase();
    if (!name) {
      await ack({ response_type: 'ephemeral', text: 'Usage: `/sip-setup delete <name>`.' });
      return;
    }
    await ack();
    await openThenFill(client, command.trigger_id, 'Delete binding?', async () => {
      const binding = await repos.bindings.get(name);
      if (!binding) return noticeModal('No such binding', `There is no binding named ${code(name)}. \`/sip-setup list\` shows them.`);
      return deleteConfirmModal(binding, command.channel_id);
    });
  }

  async function onDeleteConfirm({ ack, body, view, client }: ViewArgs): Promise<void> {
    const user = body.user.id;
    const meta = decodeDeleteMeta(view.private_metadata);
    const name = meta?.name ?? '';
    const say = async (text: string): Promise<void> => {
      await ack({ response_action: 'update', view: noticeModal('Delete binding', text) });
    };
    if (!isAdmin(user)) return say(refusal('delete bindings'));
    const binding = name ? await repos.bindings.get(name) : undefined;
    if (!binding) return say(`Binding ${code(name)} no longer exists.`);
    if (binding.version !== meta?.version) return say(`Binding ${code(name)} changed since this dialog opened. Run \`/sip-setup delete ${escapeMrkdwn(name)}\` again.`);
    if (!executor.reserve(name)) return say(`A change to ${code(name)} is running right now. Try again when it is done.`);
    await ack({ response_action: 'clear' });
    const channel = meta?.channel ?? user;
    void inflight.track(
      `sip-setup:delete:${name}`,
      runChange({ kind: 'delete', spec: specOf(binding), previous: binding, actor: user, channel, client, viewId: view.id }),
    );
  }

  async function importCmd({ args, argv }: SubcommandContext): Promise<void> {
    const { command, ack, respond, client } = args;
    if (!isAdmin(command.user_id)) {
      await ack({ response_type: 'ephemeral', text: refusal('import bindings') });
      return;
    }
    const usage = 'Usage: `/sip-setup import <name> inbound=ST_… rule=SDR_… outbound=ST_… [host=<LiveKit public SIP host>] [channel=#channel]`';
    const [rawName = '', ...pairs] = argv;
    const name = rawName.toLowerCase();
    const kv = new Map<string, string>();
    for (const p of pairs) {
      const m = /^([a-z]+)=(.+)$/i.exec(p);
      if (m) kv.set(m[1]!.toLowerCase(), m[2]!);
    }
    const inboundId = kv.get('inbound');
    const ruleId = kv.get('rule');
    const outboundId = kv.get('outbound');
    if (!isBindingName(name) || !inboundId || !ruleId || !outboundId) {
      await ack({ response_type: 'ephemeral', text: `${usage}\nThe name uses 3–40 lowercase letters, digits and hyphens.` });
      return;
    }
    const channelArg = kv.get('channel');
    const reportChannel = channelArg ? channelIdFrom(channelArg) : command.channel_id;
    const host = (kv.get('host') ?? new URL(config.livekit.url).hostname).toLowerCase();
    if (await repos.bindings.get(name)) {
      await ack({ response_type: 'ephemeral', text: `A binding named ${code(name)} exists already. Pick another name.` });
      return;
    }
    if (!executor.reserve(name)) {
      await ack({ response_type: 'ephemeral', text: `A change to ${code(name)} is running right now.` });
      return;
    }
    await ack({ response_type: 'ephemeral', text: `Reading ${code(inboundId)}, ${code(ruleId)} and ${code(outboundId)} from LiveKit…` });
    let handedOver = false;
    try {
      const ids = { inboundTrunkId: inboundId, dispatchRuleId: ruleId, outboundTrunkId: outboundId };
      const actual = await readActual(ids);
      if (!actual.ok) {
        await respond({ response_type: 'ephemeral', replace_original: true, text: `❌ Could not read LiveKit: ${escapeMrkdwn(actual.error)}. Nothing was imported.` });
        return;
      }
      const { inbound, rule, outbound } = actual.value;
      const missing = [!inbound && `inbound trunk ${code(inboundId)}`, !rule && `dispatch rule ${code(ruleId)}`, !outbound && `outbound trunk ${code(outboundId)}`].filter(Boolean);
      if (!inbound || !rule || !outbound) {
        await respond({
          response_type: 'ephemeral',
          replace_original: true,
          text: `❌ Not found in LiveKit: ${missing.join(', ')}. Check the IDs with \`lk sip inbound list\`, \`lk sip dispatch list\`, \`lk sip outbound list\`. Nothing was imported.`,
        });
        return;
      }
      const result = specFromResources({ name, inbound, rule, outbound, livekitSipHost: host, reportChannel });
      const problemLines = result.problems.map((p) => `${p.severity === 'error' ? '❌' : '⚠️'} ${escapeMrkdwn(p.text)}`);
      const owned = (await repos.bindings.list()).filter(
        (b) => b.resources.inboundTrunkId === inboundId || b.resources.dispatchRuleId === ruleId || b.resources.outboundTrunkId === outboundId,
      );
      for (const b of owned) problemLines.push(`❌ Binding ${code(b.name)} already owns some of these resources.`);
      if (!result.ok || owned.length) {
        await respond({
          response_type: 'ephemeral',
          replace_original: true,
          text: `❌ These resources do not fit together as a binding; nothing was imported:\n${problemLines.join('\n')}`.slice(0, 3900),
        });
        return;
      }
      const plan = planUpdate(undefined, result.spec, ids, actual.value);
      if (!plan.ok) {
        await respond({ response_type: 'ephemeral', replace_original: true, text: `❌ ${escapeMrkdwn(plan.reason)}` });
        return;
      }
      await respond({ response_type: 'ephemeral', replace_original: true, text: `Importing ${code(name)}: progress is posted in this channel.` });
      handedOver = true;
      void inflight.track(
        `sip-setup:import:${name}`,
        runChange({
          kind: 'import',
          spec: result.spec,
          previous: undefined,
          actor: command.user_id,
          channel: command.channel_id,
          client,
          steps: plan.steps,
          resources: ids,
          notes: problemLines.length ? [`*Imported with notes:*`, ...problemLines] : [],
        }),
      );
    } finally {
      if (!handedOver) executor.release(name);
    }
  }

  return {
    name: 'sip-setup',
    register(ctx: FeatureContext) {
      notify = ctx.notifyClient;
      boltClient = ctx.bolt.client;
      ctx.setup.setFallback(openForm);
      ctx.setup.add({ name: 'list', usage: 'list', summary: 'all bindings', run: list });
      ctx.setup.add({ name: 'show', usage: 'show <name>', summary: 'one binding: desired vs actual LiveKit state, drift marked', run: show });
      ctx.setup.add({
        name: 'import',
        usage: 'import <name> inbound=ST_… rule=SDR_… outbound=ST_…',
        summary: 'adopt resources made with `lk` as a binding',
        run: importCmd,
      });
      ctx.setup.add({ name: 'delete', usage: 'delete <name>', summary: 'delete a binding and its LiveKit resources (asks first)', run: del });
      ctx.listeners.view(BINDING_MODAL_CALLBACK, onFormSubmit);
      ctx.listeners.view(DELETE_CONFIRM_CALLBACK, onDeleteConfirm);
    },
    async start() {
      await recover();
    },
    async stop() {
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
}
