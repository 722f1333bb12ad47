/**
 * The create/edit form: `/sip-setup [name]` opens it; its submission is validated (the form's
 * own rules, then the cross checks) within Slack's 3 s and the change runs after the ack.
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { fieldsFromSpec, specFromFields } from '../../domain/binding-input';
import { checkBindingRef } from '../../slack/binding-ref';
import { code } from '../../slack/mrkdwn';
import { readerText, unknownCommandText } from '../../slack/subcommand-help';
import type { SetupCommandRouter, SubcommandContext } from '../../slack/subcommand-router';
import type { ChangeKind } from '../../store/journal-repo';
import { bindingModal, decodeMeta, errorsForView, noticeModal, readBindingForm, type ModalMeta } from './binding-modal';
import { isAdmin, refusal, type SipSetupContext } from './context';
import { crossChecks } from './cross-checks';
import { openThenFill } from './open-modal';
import { runChange } from './run-change';

export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * `/sip-setup` (create) or `/sip-setup <name>` (edit). A word that is neither a binding nor a
 * command gets help (with the command it was likely meant to be); a non-admin is told what they can do.
 */
export function openFormHandler(
  ctx: SipSetupContext,
  router: SetupCommandRouter,
): (c: SubcommandContext & { name: string }) => Promise<void> {
  return async ({ args, name }) => {
    const { command, ack, client } = args;
    const known = name ? await ctx.repos.bindings.get(name.toLowerCase()) : undefined;
    if (name && !known) {
      await ack({ response_type: 'ephemeral', text: unknownCommandText(router, name) });
      return;
    }
    if (!isAdmin(ctx, command.user_id)) {
      const text = known
        ? `${refusal('change bindings')} \`/sip-setup show ${known.name}\` shows it.`
        : readerText(router);
      await ack({ response_type: 'ephemeral', text });
      return;
    }
    await ack();
    const channel = command.channel_id;
    if (!name) {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: bindingModal({ mode: 'create', channel }, {}, { estManageable: Boolean(ctx.sinch) }),
      });
      return;
    }
    await openThenFill(client, command.trigger_id, 'Edit SIP binding', async () => {
      const binding = await ctx.repos.bindings.get(name.toLowerCase());
      if (!binding) {
        return noticeModal(
          'No such binding',
          `There is no binding named ${code(name)}. \`/sip-setup list\` shows them; \`/sip-setup\` creates one; \`/sip-setup help\` lists the commands.`,
        );
      }
      return bindingModal(
        { mode: 'edit', name: binding.name, id: binding.id, version: binding.version, channel },
        fieldsFromSpec(binding),
        { estManageable: Boolean(ctx.sinch) },
      );
    });
  };
}

/** For an edit form: why the binding it was filled from is not the one stored now (deleted, re-created, changed), or undefined. */
async function staleEdit(ctx: SipSetupContext, meta: ModalMeta): Promise<string | undefined> {
  if (meta.mode !== 'edit' || !meta.id || !meta.name || meta.version === undefined) return undefined;
  const check = await checkBindingRef(ctx.repos.bindings, { b: meta.name, bi: meta.id, v: meta.version }, 'dialog');
  return check.ok ? undefined : check.message;
}

export function formSubmitHandler(ctx: SipSetupContext): (args: ViewArgs) => Promise<void> {
  return async ({ ack, body, view }) => {
    const user = body.user.id;
    const meta = decodeMeta(view.private_metadata);
    if (!meta) {
      await ack({
        response_action: 'errors',
        errors: { trunkDomain: 'This form is from an older version of SIP Ops. Close it and run /sip-setup again.' },
      });
      return;
    }
    if (!isAdmin(ctx, user)) {
      await ack({ response_action: 'errors', errors: { trunkDomain: refusal('create or change bindings') } });
      return;
    }
    const stale = await staleEdit(ctx, meta);
    if (stale) {
      await ack({ response_action: 'update', view: noticeModal('Edit SIP binding', stale) });
      return;
    }
    const input = readBindingForm(view.state.values, meta);
    const existing = meta.mode === 'edit' && meta.id ? await ctx.repos.bindings.getById(meta.id) : undefined;
    const parsed = specFromFields(input, existing ? { existing } : {});
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: errorsForView(parsed.errors, meta.mode) });
      return;
    }
    const spec = parsed.spec;
    const existingForName = meta.mode === 'create' ? await ctx.repos.bindings.get(spec.name) : existing;
    // The binding is reserved before the cross-checks: a change in progress (here or on another
    // replica) is named as such, not as the conflicts its half-made LiveKit resources would show.
    const reserved = await ctx.executor.reserveFor(spec.name, user);
    if (!reserved.ok) {
      const e = {
        [meta.mode === 'create' ? 'name' : 'trunkDomain']:
          `A change to ${spec.name} is in progress by @${reserved.holder}.`,
      };
      await ack({ response_action: 'errors', errors: errorsForView(e, meta.mode) });
      return;
    }
    const errors = await crossChecks(ctx, spec, meta, existingForName);
    if (Object.keys(errors).length) {
      ctx.executor.release(spec.name);
      await ack({ response_action: 'errors', errors: errorsForView(errors, meta.mode) });
      return;
    }
    const raced = await staleEdit(ctx, meta);
    if (raced) {
      ctx.executor.release(spec.name);
      await ack({ response_action: 'update', view: noticeModal('Edit SIP binding', raced) });
      return;
    }
    await ack({ response_action: 'clear' });
    const kind: ChangeKind = meta.mode === 'create' ? 'create' : 'update';
    void ctx.inflight.track(
      `sip-setup:${kind}:${spec.name}`,
      runChange(ctx, { kind, spec, previous: existing, actor: user, channel: meta.channel, viewId: view.id }),
    );
  };
}

/** "New binding" on the App Home tab: the create form (admins only; the button is shown to them only). */
export function newBindingButtonHandler(
  ctx: SipSetupContext,
): (args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => Promise<void> {
  return async ({ ack, body, client }) => {
    await ack();
    const view = isAdmin(ctx, body.user.id)
      ? bindingModal({ mode: 'create', channel: body.user.id })
      : noticeModal('New SIP binding', refusal('create or change bindings'));
    await client.views.open({ trigger_id: body.trigger_id, view });
  };
}
