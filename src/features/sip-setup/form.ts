/**
 * The create/edit form: `/sip-setup [name]` opens it; its submission is validated (the form's
 * own rules, then the cross checks) within Slack's 3 s and the change runs after the ack.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { fieldsFromSpec, specFromFields } from '../../domain/binding-input';
import type { SubcommandContext } from '../../slack/subcommand-router';
import { code } from '../../slack/mrkdwn';
import type { ChangeKind } from '../../store/journal-repo';
import { bindingModal, decodeMeta, errorsForView, noticeModal, readBindingForm } from './binding-modal';
import { isAdmin, refusal, type SipSetupContext } from './context';
import { crossChecks } from './cross-checks';
import { openThenFill } from './open-modal';
import { runChange } from './run-change';

export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** `/sip-setup` (create) or `/sip-setup <name>` (edit). */
export function openFormHandler(ctx: SipSetupContext): (c: SubcommandContext & { name: string }) => Promise<void> {
  return async ({ args, name }) => {
    const { command, ack, client } = args;
    if (!isAdmin(ctx, command.user_id)) {
      await ack({ response_type: 'ephemeral', text: refusal('create or change bindings') });
      return;
    }
    await ack();
    const channel = command.channel_id;
    if (!name) {
      await client.views.open({ trigger_id: command.trigger_id, view: bindingModal({ mode: 'create', channel }, {}, { estManageable: Boolean(ctx.sinch) }) });
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
      return bindingModal({ mode: 'edit', name: binding.name, version: binding.version, channel }, fieldsFromSpec(binding), { estManageable: Boolean(ctx.sinch) });
    });
  };
}

export function formSubmitHandler(ctx: SipSetupContext): (args: ViewArgs) => Promise<void> {
  return async ({ ack, body, view, client }) => {
    const user = body.user.id;
    const meta = decodeMeta(view.private_metadata);
    if (!meta) {
      await ack({ response_action: 'errors', errors: { trunkDomain: 'This form is from an older version of SIP Ops. Close it and run /sip-setup again.' } });
      return;
    }
    if (!isAdmin(ctx, user)) {
      await ack({ response_action: 'errors', errors: { trunkDomain: refusal('create or change bindings') } });
      return;
    }
    const input = readBindingForm(view.state.values, meta);
    const existing = meta.mode === 'edit' && meta.name ? await ctx.repos.bindings.get(meta.name) : undefined;
    const parsed = specFromFields(input, existing ? { existing } : {});
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: errorsForView(parsed.errors, meta.mode) });
      return;
    }
    const spec = parsed.spec;
    const existingForName = meta.mode === 'create' ? await ctx.repos.bindings.get(spec.name) : existing;
    const errors = await crossChecks(ctx, spec, meta, existingForName);
    if (Object.keys(errors).length || !ctx.executor.reserve(spec.name)) {
      const e = Object.keys(errors).length ? errors : { [meta.mode === 'create' ? 'name' : 'trunkDomain']: `A change to ${spec.name} is running right now.` };
      await ack({ response_action: 'errors', errors: errorsForView(e, meta.mode) });
      return;
    }
    await ack({ response_action: 'clear' });
    const kind: ChangeKind = meta.mode === 'create' ? 'create' : 'update';
    void ctx.inflight.track(
      `sip-setup:${kind}:${spec.name}`,
      runChange(ctx, { kind, spec, previous: existing, actor: user, channel: meta.channel, client, viewId: view.id }),
    );
  };
}
