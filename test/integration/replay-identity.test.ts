/**
 * Issue 20: a button or dialog acts only on the object it was shown for. Each interactive payload
 * SIP Ops emits is captured as Slack would send it, the binding is deleted and re-created under
 * the same name, and the very same signed payload is sent again: nothing may act on the new
 * binding, and the clicker is told why in private. (Call again: test/integration/test-call.test.ts.)
 */
import type { DnsResolver, OptionsProber } from '../../src/domain/probes';
import type { AppDeps } from '../../src/features/feature';
import { healthFeature } from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { ADMIN_USER, OPS_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { bindingForm, bindingFormValues, submitCreateForm } from '../support/binding-form';
import { renderBlocks, unescapeSlack } from '../support/slack-render';
import { appHomeOpened, blockAction, viewSubmission } from '../support/slack-request';

const resolver: DnsResolver = async () => ({ ok: true, addresses: ['192.0.2.10'] });
const prober: OptionsProber = async () => ({
  kind: 'response',
  status: 200,
  reason: 'OK',
  rttMs: 4,
  server: 'fake-sip',
});
const features = (deps: AppDeps) => [
  sipSetupFeature(deps, { lookupIpv4: async () => '203.0.113.7', recoveryRetryMs: 200 }),
  healthFeature(deps, { threadPaceMs: 0, schedule: false, prober, resolver }),
];

const DELETED = (surface: string, reopen: string): RegExp =>
  new RegExp(
    `^⚠️ This ${surface} was for a binding \`acme-us\` that was deleted on \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC; open \`${reopen}\` again\\. Nothing was changed\\.$`,
  );

function messageMatching(h: Harness, re: RegExp): Promise<string> {
  return eventually(
    () =>
      h.slack
        .topLevel(OPS_CHANNEL)
        .map((m) => unescapeSlack(renderBlocks(m.blocks ?? [])))
        .find((t) => re.test(t)),
    8000,
    `a message matching ${re}`,
  );
}

async function create(h: Harness): Promise<string> {
  const before = (await h.deps.repos.audit.list({ bindingName: 'acme-us' })).length;
  const res = await submitCreateForm(h.client, bindingForm());
  expect(res.body).toEqual({ response_action: 'clear' });
  await eventually(
    async () =>
      (await h.deps.repos.audit.list({ bindingName: 'acme-us' })).length > before &&
      (await h.deps.repos.bindings.get('acme-us')),
    8000,
    'the binding',
  );
  return (await h.deps.repos.bindings.get('acme-us'))!.id;
}

/** The modal SIP Ops put up (views.update after the placeholder) for `/sip-setup <text>`. */
async function modalFor(h: Harness, text: string): Promise<{ callback_id: string; private_metadata: string }> {
  const before = h.slack.callsTo('views.update').length;
  await h.client.command('/sip-setup', text, { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
  const upd = await eventually(() => h.slack.callsTo('views.update')[before], 5000, 'the modal');
  return upd.args.view as { callback_id: string; private_metadata: string };
}

async function deleteThroughDialog(h: Harness): Promise<void> {
  const view = await modalFor(h, 'delete acme-us');
  const res = await h.client.submitView({
    callbackId: view.callback_id,
    values: {},
    privateMetadata: view.private_metadata,
  });
  expect(res.body).toEqual({ response_action: 'clear' });
  await eventually(
    async () => h.deps.inflight.size === 0 && (await h.deps.repos.bindings.get('acme-us')) === undefined,
    8000,
    'the delete',
  );
}

function lkCount(h: Harness, prefix: string): number {
  return h.livekit.requests.filter((r) => r.method.startsWith(prefix)).length;
}

function noticeText(body: unknown): string {
  const b = body as { response_action: string; view: { blocks: unknown[] } };
  expect(b.response_action).toBe('update');
  return unescapeSlack(renderBlocks(b.view.blocks));
}

describe('a replayed payload acts only on the object it was shown for', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ features });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('delete confirmation: replayed after delete and re-create under the same name, it deletes nothing', async () => {
    const oldId = await create(h);
    const view = await modalFor(h, 'delete acme-us');
    expect(JSON.parse(view.private_metadata)).toMatchObject({ name: 'acme-us', id: oldId });
    const payload = viewSubmission({
      callbackId: view.callback_id,
      values: {},
      privateMetadata: view.private_metadata,
    });
    expect((await h.client.interactive(payload)).body).toEqual({ response_action: 'clear' });
    await messageMatching(h, /Binding .acme-us. deleted/);

    const newId = await create(h);
    expect(newId).not.toBe(oldId);
    const deletes = lkCount(h, 'Delete');
    const replay = await h.client.interactive(payload);
    expect(noticeText(replay.body)).toMatch(DELETED('dialog', '/sip-setup delete acme-us'));
    await new Promise((r) => setTimeout(r, 200));
    expect(lkCount(h, 'Delete')).toBe(deletes);
    expect((await h.deps.repos.bindings.get('acme-us'))?.id).toBe(newId);
    expect(h.livekit.inboundTrunks()).toHaveLength(1);
  });

  it('edit submit: replayed after delete and re-create, it changes nothing; after an edit it is refused as changed', async () => {
    const oldId = await create(h);
    const view = await modalFor(h, 'acme-us');
    expect(JSON.parse(view.private_metadata)).toMatchObject({ mode: 'edit', name: 'acme-us', id: oldId, version: 1 });
    const payload = viewSubmission({
      callbackId: 'binding_modal',
      values: bindingFormValues(bindingForm({ callerId: '+14155550101' }), 'edit'),
      privateMetadata: view.private_metadata,
    });

    // The same form once the binding was edited by someone else: refused as changed.
    const other = await modalFor(h, 'acme-us');
    const edited = await h.client.submitView({
      callbackId: 'binding_modal',
      values: bindingFormValues(bindingForm({ agentName: 'other-agent' }), 'edit'),
      privateMetadata: other.private_metadata,
    });
    expect(edited.body).toEqual({ response_action: 'clear' });
    await eventually(async () => (await h.deps.repos.bindings.get('acme-us'))?.version === 2, 8000, 'the other edit');
    expect(noticeText((await h.client.interactive(payload)).body)).toMatch(
      /^⚠️ This dialog was for version 1 of binding `acme-us`, which has been changed since \(now version 2\); open `\/sip-setup acme-us` again\. Nothing was changed\.$/,
    );

    await deleteThroughDialog(h);
    const newId = await create(h);
    const updates = lkCount(h, 'Update');
    const creates = lkCount(h, 'Create');
    expect(noticeText((await h.client.interactive(payload)).body)).toMatch(DELETED('dialog', '/sip-setup acme-us'));
    await new Promise((r) => setTimeout(r, 200));
    expect([lkCount(h, 'Update'), lkCount(h, 'Create')]).toEqual([updates, creates]);
    const now = (await h.deps.repos.bindings.get('acme-us'))!;
    expect([now.id, now.version, now.callerId]).toEqual([newId, 1, '+14155550100']);
  });

  it('payloads of an older version (no identity) are refused and change nothing', async () => {
    await create(h);
    const before = h.livekit.countCalls();
    const del = await h.client.submitView({
      callbackId: 'binding_delete_confirm',
      values: {},
      privateMetadata: JSON.stringify({ name: 'acme-us', version: 1, channel: OPS_CHANNEL }),
    });
    expect(noticeText(del.body)).toMatch(/older version of SIP Ops/);
    const edit = await h.client.submitView({
      callbackId: 'binding_modal',
      values: bindingFormValues(bindingForm({ callerId: '+14155550101' }), 'edit'),
      privateMetadata: JSON.stringify({ mode: 'edit', name: 'acme-us', version: 1, channel: OPS_CHANNEL }),
    });
    expect(edit.body).toMatchObject({
      response_action: 'errors',
      errors: { trunkDomain: expect.stringMatching(/older version of SIP Ops/) },
    });
    expect(h.livekit.countCalls()).toBe(before);
    expect((await h.deps.repos.bindings.get('acme-us'))!.version).toBe(1);
  });

  it("Check again and the Home tab's menu: replayed after delete and re-create, nothing is checked; the clicker is told", async () => {
    const oldId = await create(h);
    const checks = async (): Promise<number> => (await h.deps.repos.healthRuns.list(100)).length;
    // Check again, as the answer to /sip-setup check acme-us carries it.
    await h.client.command('/sip-setup', 'check acme-us', {
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
      response_id: 'chk',
    });
    const [answer] = (await h.slack.waitForResponseUrlPost('chk')) as Array<{
      blocks: Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;
    }>;
    const checkValue = answer!.blocks
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'health_check_binding')!.value;
    expect(JSON.parse(checkValue)).toEqual({ b: 'acme-us', bi: oldId });
    const checkPayload = blockAction({
      actionId: 'health_check_binding',
      value: checkValue,
      channel: OPS_CHANNEL,
      responseUrl: h.slack.responseUrl('again-1'),
    });

    // The Home tab's "Check now" for acme-us.
    await h.client.event(appHomeOpened(ADMIN_USER));
    const home = await eventually(() => h.slack.homeView(ADMIN_USER));
    const row = (
      home.view.blocks as Array<{ accessory?: { action_id: string; options: Array<{ value: string }> } }>
    ).find((b) => b.accessory?.action_id === 'home_binding_menu')!;
    const checkNow = row.accessory!.options[0]!.value;
    expect(JSON.parse(checkNow)).toEqual({ a: 'check', b: 'acme-us', bi: oldId });
    const menuPayload = blockAction({ actionId: 'home_binding_menu', selectedOption: checkNow, view: { id: home.id } });
    Object.assign(menuPayload, {
      container: { type: 'view', view_id: home.id },
      view: { ...(menuPayload.view as object), type: 'home' },
    });
    (menuPayload.actions as Array<Record<string, unknown>>)[0]!.type = 'overflow';

    await deleteThroughDialog(h);
    await create(h);
    const runsBefore = await checks();
    const listBefore = lkCount(h, 'List');

    await h.client.interactive(checkPayload);
    const [refused] = (await h.slack.waitForResponseUrlPost('again-1')) as Array<{
      response_type: string;
      text: string;
    }>;
    expect(refused).toMatchObject({ response_type: 'ephemeral' });
    expect(refused!.text).toMatch(DELETED('button', '/sip-setup check acme-us'));

    const published = h.slack.callsTo('views.publish').length;
    await h.client.interactive(menuPayload);
    const republished = await eventually(
      () => h.slack.callsTo('views.publish')[published],
      5000,
      'the Home tab with the notice',
    );
    expect(unescapeSlack(renderBlocks((republished.args.view as { blocks: unknown[] }).blocks))).toMatch(
      /⚠️ This button was for a binding `acme-us` that was deleted on .*; open `\/sip-setup check acme-us` again\. Nothing was changed\./,
    );
    expect([await checks(), lkCount(h, 'List')]).toEqual([runsBefore, listBefore]);
  });

  it('Run again: the same press replayed runs nothing a second time; New binding opens the form for admins only', async () => {
    await create(h);
    await h.client.command('/sip-setup', 'check', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL, response_id: 'all' });
    const [summary] = (await h.slack.waitForResponseUrlPost('all')) as Array<{
      blocks: Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;
    }>;
    const value = summary!.blocks
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'health_run_again')!.value;
    const payload = blockAction({
      actionId: 'health_run_again',
      value,
      channel: OPS_CHANNEL,
      responseUrl: h.slack.responseUrl('run'),
    });
    const runs = async (): Promise<number> => (await h.deps.repos.healthRuns.list(100)).length;
    const before = await runs();
    await h.client.interactive(payload);
    await eventually(async () => (await runs()) === before + 1 && h.deps.inflight.size === 0, 8000, 'the second run');
    await h.client.interactive(payload);
    await new Promise((r) => setTimeout(r, 300));
    expect(await runs()).toBe(before + 1);

    const opened = h.slack.callsTo('views.open').length;
    await h.client.interactive(
      blockAction({ actionId: 'sip_setup_new_binding', value: 'new', view: { id: 'VHOME1' } }),
    );
    await h.client.interactive(
      blockAction({ actionId: 'sip_setup_new_binding', value: 'new', user: 'UINTRUDER', view: { id: 'VHOME2' } }),
    );
    const views = await eventually(() =>
      h.slack.callsTo('views.open').length >= opened + 2 ? h.slack.callsTo('views.open').slice(opened) : undefined,
    );
    const byUser = views.map((c) => c.args.view as { callback_id?: string; blocks: unknown[] });
    expect(byUser.map((v) => v.callback_id ?? renderBlocks(v.blocks))).toEqual(
      expect.arrayContaining(['binding_modal', expect.stringMatching(/Only SIP Ops admins/)]),
    );
  });
});
