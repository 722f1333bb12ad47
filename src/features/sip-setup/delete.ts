/** `/sip-setup delete <name>`: a confirmation modal, then the delete runs after the ack. */
import { specOf } from '../../domain/binding';
import { checkBindingRef, olderPayload } from '../../slack/binding-ref';
import { code } from '../../slack/mrkdwn';
import type { SubcommandContext } from '../../slack/subcommand-router';
import { noticeModal } from './binding-modal';
import { isAdmin, refusal, type SipSetupContext } from './context';
import type { ViewArgs } from './form';
import { RELEASE_DIDS_BLOCK, decodeDeleteMeta, deleteConfirmModal } from './messages';
import { openThenFill } from './open-modal';
import { runChange } from './run-change';

export function deleteCommandHandler(ctx: SipSetupContext): (c: SubcommandContext) => Promise<void> {
  return async ({ args, argv }) => {
    const { command, ack, client } = args;
    if (!isAdmin(ctx, command.user_id)) {
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
      const binding = await ctx.repos.bindings.get(name);
      if (!binding)
        return noticeModal(
          'No such binding',
          `There is no binding named ${code(name)}. \`/sip-setup list\` shows them.`,
        );
      return deleteConfirmModal(binding, command.channel_id);
    });
  };
}

export function deleteConfirmHandler(ctx: SipSetupContext): (args: ViewArgs) => Promise<void> {
  return async ({ ack, body, view }) => {
    const user = body.user.id;
    const meta = decodeDeleteMeta(view.private_metadata);
    const say = async (text: string): Promise<void> => {
      await ack({ response_action: 'update', view: noticeModal('Delete binding', text) });
    };
    if (!isAdmin(ctx, user)) return say(refusal('delete bindings'));
    if (!meta) return say(olderPayload('dialog', '/sip-setup delete <name>'));
    const ref = { b: meta.name, bi: meta.id, v: meta.version };
    const reopen = (name: string): string => `/sip-setup delete ${name}`;
    const before = await checkBindingRef(ctx.repos.bindings, ref, 'dialog', reopen);
    if (!before.ok) return say(before.message);
    const reserved = await ctx.executor.reserveFor(meta.name, user);
    if (!reserved.ok)
      return say(`A change to ${code(meta.name)} is in progress by @${reserved.holder}. Try again when it is done.`);
    // Checked again with the name reserved: nothing can delete or re-create it from here on.
    const binding = await ctx.repos.bindings.getById(meta.id);
    const now = await checkBindingRef(ctx.repos.bindings, ref, 'dialog', reopen);
    if (!now.ok || !binding) {
      ctx.executor.release(meta.name);
      return say(now.ok ? olderPayload('dialog', '/sip-setup delete <name>') : now.message);
    }
    await ack({ response_action: 'clear' });
    const choice = (
      view.state.values[RELEASE_DIDS_BLOCK]?.value as { selected_option?: { value?: string } | null } | undefined
    )?.selected_option?.value;
    const releaseDids = choice === 'release';
    void ctx.inflight.track(
      `sip-setup:delete:${binding.name}`,
      runChange(ctx, {
        kind: 'delete',
        spec: specOf(binding),
        previous: binding,
        actor: user,
        channel: meta.channel,
        viewId: view.id,
        releaseDids,
      }),
    );
  };
}
