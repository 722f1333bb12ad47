import type { Harness } from '../../test/support/app-harness';
import { ADMIN_USER, OPS_CHANNEL, eventually } from '../../test/support/app-harness';
import { bindingForm, bindingFormValues, createModalMeta } from '../../test/support/binding-form';
import { renderBlocks, unescapeSlack } from '../../test/support/slack-render';

/** The form as the admin fills it in (DIDs typed the way people type them). */
function form(o: { callerId?: string } = {}) {
  return bindingForm({
    name: 'demo-acme',
    dids: '+1 (415) 555-0100, +1 415 555 0101',
    livekitSipHost: '203.0.113.7',
    ...(o.callerId ? { callerId: o.callerId } : {}),
  });
}

async function lastMessage(h: Harness, re: RegExp): Promise<string> {
  return eventually(
    () => {
      for (const m of [...h.slack.topLevel(OPS_CHANNEL)].reverse()) {
        const text = unescapeSlack(renderBlocks(m.blocks ?? []));
        if (re.test(text)) return text;
      }
      return undefined;
    },
    8000,
    `a message matching ${re}`,
  );
}

function show(say: (line: string) => void, text: string): void {
  for (const line of text.split('\n')) say(`  │ ${line}`);
}

/** Create, edit and delete a binding through the modal, as an admin would. */
export async function run(h: Harness, say: (line: string) => void): Promise<void> {
  say(`@${ADMIN_USER} types /sip-setup → the "New SIP binding" form opens`);
  await h.client.command('/sip-setup', '', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
  await h.slack.waitFor('views.open');
  say('…fills it in (DIDs typed as "+1 (415) 555-0100, +1 415 555 0101") and presses Create');
  const created = await h.client.submitView({
    callbackId: 'binding_modal',
    values: bindingFormValues(form()),
    privateMetadata: createModalMeta(OPS_CHANNEL),
  });
  if ((created.body as { response_action?: string }).response_action !== 'clear')
    throw new Error(`create refused: ${JSON.stringify(created.body)}`);
  show(say, await lastMessage(h, /Binding .demo-acme. created/));
  const b = await h.deps.repos.bindings.get('demo-acme');
  if (
    !b ||
    h.livekit.inboundTrunks().length !== 1 ||
    h.livekit.dispatchRules().length !== 1 ||
    h.livekit.outboundTrunks().length !== 1
  ) {
    throw new Error('LiveKit does not hold the three resources of the binding');
  }

  say('');
  say(`@${ADMIN_USER} types /sip-setup demo-acme, changes the caller ID to +14155550101 and presses Apply`);
  await h.client.command('/sip-setup', 'demo-acme', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
  const upd = await h.slack.waitFor((c) => c.method === 'views.update');
  const meta = (upd.args.view as { private_metadata: string }).private_metadata;
  const updatesBefore =
    h.livekit.countCalls('UpdateSIPOutboundTrunk') +
    h.livekit.countCalls('UpdateSIPInboundTrunk') +
    h.livekit.countCalls('UpdateSIPDispatchRule');
  await h.client.submitView({
    callbackId: 'binding_modal',
    values: bindingFormValues(form({ callerId: '+14155550101' }), 'edit'),
    privateMetadata: meta,
  });
  show(say, await lastMessage(h, /Binding .demo-acme. updated/));
  const updates =
    h.livekit.countCalls('UpdateSIPOutboundTrunk') +
    h.livekit.countCalls('UpdateSIPInboundTrunk') +
    h.livekit.countCalls('UpdateSIPDispatchRule') -
    updatesBefore;
  say(`LiveKit update calls for that edit: ${updates} (only the outbound trunk's numbers changed)`);
  if (updates !== 1) throw new Error(`expected one update call, saw ${updates}`);

  say('');
  say(`@${ADMIN_USER} types /sip-setup delete demo-acme and confirms`);
  await h.client.command('/sip-setup', 'delete demo-acme', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
  const confirm = await h.slack.waitFor(
    (c) =>
      c.method === 'views.update' && (c.args.view as { callback_id?: string }).callback_id === 'binding_delete_confirm',
  );
  await h.client.submitView({
    callbackId: 'binding_delete_confirm',
    values: {},
    privateMetadata: (confirm.args.view as { private_metadata: string }).private_metadata,
  });
  show(say, await lastMessage(h, /Binding .demo-acme. deleted/));
  if (h.livekit.inboundTrunks().length || h.livekit.dispatchRules().length || h.livekit.outboundTrunks().length)
    throw new Error('LiveKit still holds resources');
}
