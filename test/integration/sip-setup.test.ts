/**
 * /sip-setup end to end: the real service on port 0, really signed Slack requests, the Slack
 * stand-in and the LiveKit SIP emulator driven through livekit-server-sdk.
 */
import { ListUpdate } from '@livekit/protocol';
import { SipClient } from 'livekit-server-sdk';
import type { ChangeStep } from '../../src/domain/change-plan';
import { managedTag, parseManagedTag } from '../../src/domain/livekit-model';
import type { AppDeps } from '../../src/features/feature';
import { sipSetupFeature } from '../../src/features/sip-setup';
import type { ChangeRequest } from '../../src/features/sip-setup/change-executor';
import { startService } from '../../src/main';
import {
  ADMIN_USER,
  OPS_CHANNEL,
  SUPPORT_CHANNEL,
  eventually,
  startHarness,
  type Harness,
} from '../support/app-harness';
import {
  bindingForm,
  bindingFormValues,
  createModalMeta,
  submitCreateForm,
  type BindingForm,
} from '../support/binding-form';
import { renderBlocks, unescapeSlack } from '../support/slack-render';

const features = (deps: AppDeps) => [
  sipSetupFeature(deps, { lookupIpv4: async () => '203.0.113.7', recoveryRetryMs: 200 }),
];

/** Submits the create modal typed in the ops channel. */
const submitCreate = (h: Harness, f: BindingForm, user = ADMIN_USER) => submitCreateForm(h.client, f, { user });

/** The final state of the progress message for a binding change (posted in `channel`). */
async function finalMessage(h: Harness, re: RegExp, channel = OPS_CHANNEL): Promise<string> {
  return eventually(
    () => {
      for (const m of h.slack.topLevel(channel)) {
        const text = unescapeSlack(renderBlocks(m.blocks ?? []));
        if (re.test(text)) return text;
      }
      return undefined;
    },
    8000,
    `a message matching ${re}`,
  );
}

async function createBinding(h: Harness, f: BindingForm = bindingForm()) {
  const res = await submitCreate(h, f);
  expect(res.body).toEqual({ response_action: 'clear' });
  await finalMessage(h, new RegExp(`Binding .${f.name}. created`));
  return (await h.deps.repos.bindings.get(f.name))!;
}

function livekitState(h: Harness) {
  return { inbound: h.livekit.inboundTrunks(), rules: h.livekit.dispatchRules(), outbound: h.livekit.outboundTrunks() };
}

describe('/sip-setup', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ features, slackPaceMs: 0 });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('opens the create modal at once, before any other Slack or LiveKit call', async () => {
    const before = h.livekit.countCalls();
    const slackBefore = h.slack.calls.length;
    const res = await h.client.command('/sip-setup', '', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    expect(res.status).toBe(200);
    const open = await h.slack.waitFor('views.open');
    expect(h.slack.callsTo('views.open')).toHaveLength(1);
    expect(h.slack.calls.indexOf(open)).toBe(slackBefore);
    expect((open.args.view as { callback_id: string }).callback_id).toBe('binding_modal');
    expect(h.livekit.countCalls()).toBe(before);
  });

  it('creates a binding: inbound trunk → dispatch rule with the agent → outbound trunk, with progress, IDs and the EST checklist', async () => {
    const b = await createBinding(h);
    const { inbound, rules, outbound } = livekitState(h);
    expect(inbound).toHaveLength(1);
    expect(rules).toHaveLength(1);
    expect(outbound).toHaveLength(1);
    expect(inbound[0]!.numbers).toEqual(['+14155550100', '+14155550101']);
    expect(parseManagedTag(inbound[0]!.metadata)).toEqual({ managedBy: 'sip-ops', binding: 'acme-us' });
    expect(rules[0]!.trunkIds).toEqual([inbound[0]!.sipTrunkId]);
    expect(rules[0]!.roomConfig?.agents.map((a) => a.agentName)).toEqual(['support-agent']);
    expect(outbound[0]!.address).toBe('acme.pstn.sinch.com');
    expect(outbound[0]!.numbers).toEqual(['+14155550100']);
    expect(b.resources).toEqual({
      inboundTrunkId: inbound[0]!.sipTrunkId,
      dispatchRuleId: rules[0]!.sipDispatchRuleId,
      outboundTrunkId: outbound[0]!.sipTrunkId,
    });

    // The order LiveKit saw: inbound, then rule, then outbound.
    const creates = h.livekit.requests.filter((r) => r.method.startsWith('Create')).map((r) => r.method);
    expect(creates).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']);

    const msg = await finalMessage(h, /Binding .acme-us. created/);
    expect(msg).toContain(inbound[0]!.sipTrunkId);
    expect(msg).toContain('est-inbound-_<caller>_<random>');
    expect(msg).toContain('sip.acme.example:5060/UDP');
    expect(msg).toContain('203.0.113.7/32');
    expect(msg).toMatch(/60 seconds/);
    // One progress message, updated in place.
    const progress = h.slack.topLevel(OPS_CHANNEL).filter((m) => /acme-us/.test(m.text));
    expect(progress).toHaveLength(1);
    expect(progress[0]!.edits).toBeGreaterThanOrEqual(3);

    const audit = await h.deps.repos.audit.list({ bindingName: 'acme-us' });
    expect(audit.map((a) => a.action)).toEqual(['binding.create']);
    expect(audit[0]!.actor).toBe(ADMIN_USER);
    const journal = await h.deps.repos.journal.listFor('acme-us');
    expect(journal[0]!.state).toBe('committed');
  });

  it('keeps the digest password write-only: sent to LiveKit, never in Slack, the journal or the audit log', async () => {
    await createBinding(
      h,
      bindingForm({ authKind: 'digest', digestUsername: 'est-user', digestPassword: 's3cret-Pa55word' }),
    );
    expect(h.livekit.outboundTrunks()[0]!.authPassword).toBe('s3cret-Pa55word');
    const everything = JSON.stringify(h.slack.calls.map((c) => c.args));
    expect(everything).not.toContain('s3cret-Pa55word');
    expect(JSON.stringify(await h.deps.repos.audit.list())).not.toContain('s3cret-Pa55word');
    expect(JSON.stringify(await h.deps.repos.journal.listFor('acme-us'))).not.toContain('s3cret-Pa55word');
    // The edit form never sends it back.
    await h.client.command('/sip-setup', 'acme-us', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    await h.slack.waitFor('views.update');
    expect(JSON.stringify(h.slack.callsTo('views.update'))).not.toContain('s3cret-Pa55word');
  });

  it('edits with LiveKit update calls for only the changed field (one field → one update call)', async () => {
    const b = await createBinding(h);
    await h.client.command('/sip-setup', 'acme-us', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    const view = upd.args.view as {
      private_metadata: string;
      blocks: Array<{ block_id?: string; element?: { initial_value?: string } }>;
    };
    expect(view.blocks.find((x) => x.block_id === 'dids')?.element?.initial_value).toBe('+14155550100\n+14155550101');
    const meta = JSON.parse(view.private_metadata) as { mode: string; version: number };
    expect(meta).toMatchObject({ mode: 'edit', name: 'acme-us', version: b.version });

    const counts = () => ({
      inbound: h.livekit.countCalls('UpdateSIPInboundTrunk'),
      rule: h.livekit.countCalls('UpdateSIPDispatchRule'),
      outbound: h.livekit.countCalls('UpdateSIPOutboundTrunk'),
      creates:
        h.livekit.countCalls('CreateSIPInboundTrunk') +
        h.livekit.countCalls('CreateSIPDispatchRule') +
        h.livekit.countCalls('CreateSIPOutboundTrunk'),
      deletes: h.livekit.countCalls('DeleteSIPTrunk') + h.livekit.countCalls('DeleteSIPDispatchRule'),
    });
    const before = counts();
    const res = await h.client.submitView({
      callbackId: 'binding_modal',
      values: bindingFormValues(bindingForm({ callerId: '+14155550101', reportChannel: SUPPORT_CHANNEL }), 'edit'),
      privateMetadata: view.private_metadata,
    });
    expect(res.body).toEqual({ response_action: 'clear' });
    await finalMessage(h, /Binding .acme-us. updated/);
    const after = counts();
    expect(after).toEqual({ ...before, outbound: before.outbound + 1 });
    expect(h.livekit.outboundTrunks()[0]!.numbers).toEqual(['+14155550101']);
    const stored = (await h.deps.repos.bindings.get('acme-us'))!;
    expect(stored.version).toBe(b.version + 1);
    expect(stored.resources).toEqual(b.resources);
    // Announced in the binding's (new) report channel with the change.
    const note = await eventually(() =>
      h.slack
        .topLevel(SUPPORT_CHANNEL)
        .find((m) => /updated SIP binding/.test(unescapeSlack(renderBlocks(m.blocks ?? [])))),
    );
    expect(unescapeSlack(renderBlocks(note.blocks ?? []))).toContain('+14155550100 → +14155550101');
  });

  it('reports progress to the admin directly when it cannot post in the channel /sip-setup was typed in', async () => {
    h.slack.script('chat.postMessage', (args) =>
      args.channel === 'CPRIVATE1' ? { ok: false, error: 'not_in_channel' } : undefined,
    );
    const res = await h.client.submitView({
      callbackId: 'binding_modal',
      values: bindingFormValues(bindingForm()),
      privateMetadata: createModalMeta('CPRIVATE1'),
    });
    expect(res.body).toEqual({ response_action: 'clear' });
    const dm = await eventually(() =>
      h.slack
        .messages()
        .find(
          (m) =>
            m.channel !== 'CPRIVATE1' && /Binding .acme-us. created/.test(unescapeSlack(renderBlocks(m.blocks ?? []))),
        ),
    );
    expect(h.slack.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual(
      expect.arrayContaining(['CPRIVATE1', ADMIN_USER]),
    );
    expect(dm.channel).not.toBe(OPS_CHANNEL);
  });

  it('refuses invalid fields with errors on the right blocks and changes nothing', async () => {
    const res = await submitCreate(
      h,
      bindingForm({
        name: 'Bad Name!',
        trunkDomain: 'sip:acme.pstn.sinch.com:5060',
        dids: '+1 415 555',
        callerId: 'abc',
        dispatchKind: 'direct',
        roomName: '',
      }),
    );
    const body = res.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(['callerId', 'dids', 'name', 'roomName', 'trunkDomain']);
    expect(body.errors.trunkDomain).toMatch(/sip:/);
    expect(h.livekit.countCalls()).toBe(0);
    expect(await h.deps.repos.bindings.count()).toBe(0);
  });

  it('refuses a DID another LiveKit inbound trunk holds (LiveKit conflict rules), before creating anything', async () => {
    const other = await h.deps.livekit.createInboundTrunk({
      name: 'made-with-lk',
      metadata: '',
      numbers: ['+14155550101'],
      mediaEncryption: 'disable',
    });
    expect(other.ok).toBe(true);
    const creates = () => h.livekit.countCalls('CreateSIPInboundTrunk');
    const before = creates();
    const res = await submitCreate(h, bindingForm());
    const body = res.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.dids).toContain('+14155550101');
    expect(body.errors.dids).toContain(other.ok ? other.value.id : '');
    expect(creates()).toBe(before);
    expect(h.livekit.inboundTrunks()).toHaveLength(1);
  });

  it("refuses an edit while another dispatch rule was moved onto the binding's trunk (LiveKit stored the clash)", async () => {
    const b = await createBinding(h);
    const sip = new SipClient(h.livekit.url, h.livekit.apiKey, h.livekit.apiSecret);
    const elsewhere = await sip.createSipInboundTrunk('elsewhere', ['+15550199']);
    const moved = await sip.createSipDispatchRule(
      { type: 'direct', roomName: 'lk-room' },
      { name: 'made-with-lk', trunkIds: [elsewhere.sipTrunkId] },
    );
    // LiveKit checks this update only against rules of the NEW trunk list, where the stored rule is absent.
    await sip.updateSipDispatchRuleFields(moved.sipDispatchRuleId, {
      trunkIds: new ListUpdate({ set: [b.resources.inboundTrunkId!] }),
    });
    await h.client.command('/sip-setup', 'acme-us', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    const view = upd.args.view as { private_metadata: string };
    const updates = () => h.livekit.countCalls('UpdateSIPDispatchRule');
    const before = updates();
    const res = await h.client.submitView({
      callbackId: 'binding_modal',
      values: bindingFormValues(bindingForm({ callerId: '+14155550101' }), 'edit'),
      privateMetadata: view.private_metadata,
    });
    const body = res.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.dids).toContain(moved.sipDispatchRuleId);
    expect(updates()).toBe(before);
  });

  it('refuses a DID owned by another binding', async () => {
    await createBinding(h);
    const res = await submitCreate(h, bindingForm({ name: 'acme-eu', dids: '+14155550101, +442071234567' }));
    const body = res.body as { errors: Record<string, string> };
    expect(body.errors.dids).toMatch(/\+14155550101 belongs to binding acme-us/);
    expect(await h.deps.repos.bindings.count()).toBe(1);
  });

  it('refuses non-admins (command and submission) with no change', async () => {
    const res = await h.client.command('/sip-setup', '', { user_id: 'UINTRUDER', channel_id: OPS_CHANNEL });
    expect((res.body as { response_type: string; text: string }).response_type).toBe('ephemeral');
    // A bare /sip-setup tells a non-admin what they can do instead.
    const said = (res.body as { text: string }).text;
    expect(said).toMatch(/is for SIP Ops admins/);
    expect(said).toContain('`/sip-setup list');
    expect(said).not.toContain('/sip-setup delete');
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    const sub = await submitCreate(h, bindingForm(), 'UINTRUDER');
    expect((sub.body as { response_action: string }).response_action).toBe('errors');
    for (const text of ['delete acme-us', 'import x inbound=ST_a rule=SDR_b outbound=ST_c']) {
      const r = await h.client.command('/sip-setup', text, { user_id: 'UINTRUDER', channel_id: OPS_CHANNEL });
      expect((r.body as { text: string }).text).toMatch(/Only SIP Ops admins/);
    }
    expect(h.livekit.countCalls()).toBe(0);
  });

  it('an unknown subcommand answers with help and the likely command, for admins and everyone else', async () => {
    for (const user of [ADMIN_USER, 'UINTRUDER']) {
      const res = await h.client.command('/sip-setup', 'lsit', { user_id: user, channel_id: OPS_CHANNEL });
      const body = res.body as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toMatch(
        /^`lsit` is not a `\/sip-setup` command, and there is no binding by that name\. Did you mean `\/sip-setup list`\?/,
      );
      expect(body.text).toContain('`/sip-setup show <name>`');
      expect(body.text).not.toMatch(/Only SIP Ops admins/);
    }
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    // A binding of that name is edited, not mistaken for a typo.
    await createBinding(h, bindingForm({ name: 'lsit', dids: '+14155550177', callerId: '+14155550177' }));
    await h.client.command('/sip-setup', 'lsit', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    expect(JSON.parse((upd.args.view as { private_metadata: string }).private_metadata)).toMatchObject({
      mode: 'edit',
      name: 'lsit',
    });
  });

  it('a double submit of the same modal creates one binding, not two', async () => {
    const f = bindingForm();
    const [a, b] = await Promise.all([submitCreate(h, f), submitCreate(h, f)]);
    const actions = [a.body, b.body].map((x) => (x as { response_action: string }).response_action).sort();
    expect(actions).toEqual(['clear', 'errors']);
    await finalMessage(h, /Binding .acme-us. created/);
    const again = await submitCreate(h, f);
    expect((again.body as { errors: Record<string, string> }).errors.name).toMatch(/exists already/);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.livekit.inboundTrunks()).toHaveLength(1);
    expect(h.livekit.dispatchRules()).toHaveLength(1);
    expect(h.livekit.outboundTrunks()).toHaveLength(1);
    expect(await h.deps.repos.bindings.count()).toBe(1);
  });

  it('escapes what users typed: no mention or link injection in messages', async () => {
    await createBinding(h, bindingForm({ agentName: 'agent_x' }));
    const res = await h.client.command('/sip-setup', 'show <!channel>', {
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
    });
    expect(JSON.stringify(res.body)).not.toContain('<!channel>');
    expect(JSON.stringify(res.body)).toContain('&lt;!channel&gt;');
    const imp = await h.client.command('/sip-setup', 'import evil inbound=<!here> rule=<http://x|y> outbound=ST_1', {
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
    });
    expect(imp.status).toBe(200);
    const posts = JSON.stringify([imp.body, h.slack.responseUrlPosts()]);
    expect(posts).not.toContain('<!here>');
    expect(posts).not.toContain('<http://x|y>');
  });

  it('lists bindings and shows desired vs actual with drift marked', async () => {
    await createBinding(h);
    const list = await h.client.command('/sip-setup', 'list', { user_id: 'UANYONE', channel_id: OPS_CHANNEL });
    expect(unescapeSlack(renderBlocks((list.body as { blocks: unknown[] }).blocks))).toMatch(/acme-us.*2 DIDs.*UDP/);

    // Someone changes the rule by hand with lk: drop the agent.
    const b = (await h.deps.repos.bindings.get('acme-us'))!;
    const r = await h.deps.livekit.updateDispatchRule(b.resources.dispatchRuleId!, { agents: [] });
    expect(r.ok).toBe(true);
    await h.client.command('/sip-setup', 'show acme-us', { user_id: 'UANYONE', channel_id: OPS_CHANNEL });
    const [, post] = await h.slack.waitForResponseUrlPost('default', 1);
    void post;
    const shown = unescapeSlack(renderBlocks((h.slack.responseUrlPosts()[0] as { blocks: unknown[] }).blocks));
    expect(shown).toContain('Drift');
    expect(shown).toMatch(/dispatch rule agents: binding .support-agent., LiveKit .\(none\)./);

    // Re-applying the binding from the edit form puts LiveKit back.
    await h.client.command('/sip-setup', 'acme-us', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    const meta = (upd.args.view as { private_metadata: string }).private_metadata;
    await h.client.submitView({
      callbackId: 'binding_modal',
      values: bindingFormValues(bindingForm(), 'edit'),
      privateMetadata: meta,
    });
    await finalMessage(h, /Binding .acme-us. updated/);
    expect(h.livekit.dispatchRules()[0]!.roomConfig?.agents.map((a) => a.agentName)).toEqual(['support-agent']);
  });

  it('imports resources made with lk, tags them, and reports what does not fit', async () => {
    const lk = h.deps.livekit;
    const inb = await lk.createInboundTrunk({
      name: 'lk-in',
      metadata: '',
      numbers: ['+14155550199'],
      mediaEncryption: 'disable',
    });
    const out = await lk.createOutboundTrunk({
      name: 'lk-out',
      metadata: '',
      address: 'acme.pstn.sinch.com',
      transport: 'udp',
      numbers: ['+14155550199'],
      authUsername: '',
      authPassword: '',
      mediaEncryption: 'disable',
    });
    if (!inb.ok || !out.ok) throw new Error('setup');
    const unrelated = await lk.createInboundTrunk({
      name: 'other',
      metadata: '',
      numbers: ['+14155550198'],
      mediaEncryption: 'disable',
    });
    if (!unrelated.ok) throw new Error('setup');
    const wrongRule = await lk.createDispatchRule({
      name: 'lk-rule',
      metadata: '',
      trunkIds: [unrelated.value.id],
      rule: { kind: 'individual', roomPrefix: 'call-', pin: '', noRandomness: false },
      agents: [],
    });
    if (!wrongRule.ok) throw new Error('setup');

    // A rule that serves another trunk does not fit: nothing imported.
    await h.client.command(
      '/sip-setup',
      `import lk-acme inbound=${inb.value.id} rule=${wrongRule.value.id} outbound=${out.value.id}`,
      {
        user_id: ADMIN_USER,
        channel_id: OPS_CHANNEL,
        response_id: 'bad',
      },
    );
    const [bad] = await h.slack.waitForResponseUrlPost('bad', 1);
    expect((bad as { text: string }).text).toMatch(/does not reference inbound trunk/);
    expect(await h.deps.repos.bindings.count()).toBe(0);

    const rule = await lk.createDispatchRule({
      name: 'lk-rule2',
      metadata: '',
      trunkIds: [inb.value.id],
      rule: { kind: 'individual', roomPrefix: 'call-', pin: '', noRandomness: false },
      agents: ['bob'],
    });
    if (!rule.ok) throw new Error('setup');
    await h.client.command(
      '/sip-setup',
      `import lk-acme inbound=${inb.value.id} rule=${rule.value.id} outbound=${out.value.id} host=sip.acme.example`,
      {
        user_id: ADMIN_USER,
        channel_id: OPS_CHANNEL,
        response_id: 'good',
      },
    );
    await finalMessage(h, /Binding .lk-acme. imported/);
    const b = (await h.deps.repos.bindings.get('lk-acme'))!;
    expect(b).toMatchObject({
      dids: ['+14155550199'],
      callerId: '+14155550199',
      trunkDomain: 'acme.pstn.sinch.com',
      agentName: 'bob',
      livekitSipHost: 'sip.acme.example',
      dispatch: { kind: 'individual', roomPrefix: 'call-' },
      resources: { inboundTrunkId: inb.value.id, dispatchRuleId: rule.value.id, outboundTrunkId: out.value.id },
    });
    // Adopted: the same resources, now tagged as managed (no new resources).
    expect(h.livekit.inboundTrunks().find((t) => t.sipTrunkId === inb.value.id)!.metadata).toBe(managedTag('lk-acme'));
    expect(h.livekit.dispatchRules().find((r) => r.sipDispatchRuleId === rule.value.id)!.metadata).toBe(
      managedTag('lk-acme'),
    );
    expect(h.livekit.countCalls('CreateSIPInboundTrunk')).toBe(2);
    expect((await h.deps.repos.audit.list({ bindingName: 'lk-acme' })).map((a) => a.action)).toEqual([
      'binding.import',
    ]);
  });

  it('deletes after confirmation, rule first, and leaves LiveKit without the binding', async () => {
    await createBinding(h);
    await h.client.command('/sip-setup', 'delete acme-us', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    const view = upd.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('binding_delete_confirm');
    expect(h.livekit.inboundTrunks()).toHaveLength(1); // nothing deleted before confirming
    const res = await h.client.submitView({
      callbackId: 'binding_delete_confirm',
      values: {},
      privateMetadata: view.private_metadata,
    });
    expect(res.body).toEqual({ response_action: 'clear' });
    await finalMessage(h, /Binding .acme-us. deleted/);
    expect(livekitState(h)).toEqual({ inbound: [], rules: [], outbound: [] });
    const deletes = h.livekit.requests.filter((r) => r.method.startsWith('Delete')).map((r) => r.method);
    expect(deletes).toEqual(['DeleteSIPDispatchRule', 'DeleteSIPTrunk', 'DeleteSIPTrunk']);
    expect(await h.deps.repos.bindings.get('acme-us')).toBeUndefined();
    expect((await h.deps.repos.audit.list({ bindingName: 'acme-us' })).map((a) => a.action)).toEqual([
      'binding.delete',
      'binding.create',
    ]);
  });
});

describe('/sip-setup faults: a failed change leaves LiveKit as it was', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ features, livekitTimeoutSec: 1, slackPaceMs: 0 });
  });
  afterEach(async () => {
    await h.stop();
  });

  for (const method of ['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']) {
    for (const fault of ['error', 'timeout'] as const) {
      it(`create: ${method} ${fault === 'error' ? 'answers an error' : 'never answers'} → rolled back, nothing left`, async () => {
        h.livekit.failNext(method, fault === 'error' ? { code: 'internal', msg: 'disk full' } : 'hang');
        const res = await submitCreate(h, bindingForm());
        expect(res.body).toEqual({ response_action: 'clear' });
        const msg = await finalMessage(h, /failed/);
        expect(msg).toMatch(fault === 'error' ? /disk full/ : /did not answer in time/);
        expect(msg).toMatch(/rolled back/);
        expect(livekitState(h)).toEqual({ inbound: [], rules: [], outbound: [] });
        expect(await h.deps.repos.bindings.get('acme-us')).toBeUndefined();
        const [entry] = await h.deps.repos.journal.listFor('acme-us');
        expect(entry!.state).toBe('rolled_back');
        expect(entry!.error).toContain(fault === 'error' ? 'disk full' : 'did not answer');
        expect((await h.deps.repos.audit.list()).map((a) => a.action)).toEqual(['binding.create_failed']);
      });
    }
  }

  it('edit: the second update fails → the first update is undone', async () => {
    const b = await createBinding(h);
    await h.client.command('/sip-setup', 'acme-us', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    const meta = (upd.args.view as { private_metadata: string }).private_metadata;
    h.livekit.failNext('UpdateSIPOutboundTrunk', { code: 'unavailable', msg: 'no sip service' });
    await h.client.submitView({
      callbackId: 'binding_modal',
      values: bindingFormValues(bindingForm({ dids: '+14155550100\n+14155550102', callerId: '+14155550102' }), 'edit'),
      privateMetadata: meta,
    });
    const msg = await finalMessage(h, /Updating binding .acme-us. failed/);
    expect(msg).toMatch(/rolled back/);
    expect(h.livekit.inboundTrunks()[0]!.numbers).toEqual(['+14155550100', '+14155550101']);
    expect(h.livekit.outboundTrunks()[0]!.numbers).toEqual(['+14155550100']);
    const stored = (await h.deps.repos.bindings.get('acme-us'))!;
    expect(stored.version).toBe(b.version);
    expect(stored.dids).toEqual(b.dids);
  });

  it('delete: the second delete fails → the deleted rule is re-created and the binding keeps working', async () => {
    await createBinding(h);
    await h.client.command('/sip-setup', 'delete acme-us', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    h.livekit.failNext('DeleteSIPTrunk', { code: 'internal', msg: 'boom' });
    await h.client.submitView({
      callbackId: 'binding_delete_confirm',
      values: {},
      privateMetadata: (upd.args.view as { private_metadata: string }).private_metadata,
    });
    await finalMessage(h, /Deleting binding .acme-us. failed/);
    const { inbound, rules, outbound } = livekitState(h);
    expect([inbound.length, rules.length, outbound.length]).toEqual([1, 1, 1]);
    const b = (await h.deps.repos.bindings.get('acme-us'))!;
    expect(b.resources.dispatchRuleId).toBe(rules[0]!.sipDispatchRuleId);
    expect(rules[0]!.trunkIds).toEqual([inbound[0]!.sipTrunkId]);
    expect(rules[0]!.roomConfig?.agents.map((a) => a.agentName)).toEqual(['support-agent']);
  });

  it('LiveKit down during submit: a clear error on the DIDs, nothing created', async () => {
    await h.livekit.setAvailable(false);
    const res = await submitCreate(h, bindingForm());
    const body = res.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.dids).toMatch(/Could not check these DIDs against LiveKit/);
    await h.livekit.setAvailable(true);
    expect(h.livekit.inboundTrunks()).toHaveLength(0);
  });

  it('a rollback that cannot finish is retried until LiveKit is back', async () => {
    h.livekit.failNext('CreateSIPOutboundTrunk', { code: 'internal', msg: 'boom' });
    h.livekit.failNext('DeleteSIPDispatchRule', { code: 'unavailable', msg: 'down' }, 1);
    await submitCreate(h, bindingForm());
    const msg = await finalMessage(h, /failed/);
    expect(msg).toMatch(/rollback has not finished/);
    const [stuck] = await h.deps.repos.journal.listFor('acme-us');
    expect(stuck!.state).toBe('stuck');
    // The retry (every 200 ms here) finishes the rollback.
    await eventually(
      async () => (await h.deps.repos.journal.listFor('acme-us'))[0]!.state === 'rolled_back',
      5000,
      'the retried rollback',
    );
    expect(livekitState(h)).toEqual({ inbound: [], rules: [], outbound: [] });
  });
});

describe('/sip-setup recovery after a crash', () => {
  it('a restart rolls back a change that was cut off, including a resource created but never recorded', async () => {
    const h = await startHarness({ features, slackPaceMs: 0 });
    try {
      // What a process killed mid-create leaves: the inbound trunk done and journaled, the rule
      // created in LiveKit but its ID never written (the process died waiting for the answer).
      const lk = h.deps.livekit;
      const inb = await lk.createInboundTrunk({
        name: 'acme-us-inbound',
        metadata: managedTag('acme-us'),
        numbers: ['+14155550100'],
        mediaEncryption: 'disable',
      });
      if (!inb.ok) throw new Error('setup');
      const rule = await lk.createDispatchRule({
        name: 'acme-us-dispatch',
        metadata: managedTag('acme-us'),
        trunkIds: [inb.value.id],
        rule: { kind: 'individual', roomPrefix: 'est-inbound-', pin: '', noRandomness: false },
        agents: [],
      });
      if (!rule.ok) throw new Error('setup');
      const unrelated = await lk.createInboundTrunk({
        name: 'keep-me',
        metadata: managedTag('other'),
        numbers: ['+14155550177'],
        mediaEncryption: 'disable',
      });
      if (!unrelated.ok) throw new Error('setup');
      const steps: ChangeStep[] = [
        { op: 'create', resource: 'inbound', status: 'done', id: inb.value.id },
        { op: 'create', resource: 'rule', status: 'running' },
        { op: 'create', resource: 'outbound', status: 'pending' },
      ];
      const request: ChangeRequest = { spec: { ...bindingSpecFor('acme-us') }, resources: {} };
      const entry = await h.deps.repos.journal.open(
        { bindingName: 'acme-us', kind: 'create', actor: ADMIN_USER, request, steps },
        new Date(),
      );

      await h.stopService();
      const restarted = await startService(h.env, {
        pretty: false,
        slackRetry: { retries: 0 },
        drainMs: 1000,
        features,
      });
      try {
        const after = await restarted.deps.repos.journal.get<ChangeStep, ChangeRequest>(entry.id);
        expect(after!.state).toBe('rolled_back');
        expect(h.livekit.inboundTrunks().map((t) => t.sipTrunkId)).toEqual([unrelated.value.id]);
        expect(h.livekit.dispatchRules()).toHaveLength(0);
        const note = await eventually(() =>
          h.slack.topLevel(OPS_CHANNEL).find((m) => /was interrupted before it finished/.test(m.text)),
        );
        expect(unescapeSlack(note.text)).toMatch(/rolled it back/);
      } finally {
        await restarted.shutdown('test');
      }
    } finally {
      await h.stop();
    }
  });

  it('a restart finishes a delete that was cut off', async () => {
    const h = await startHarness({ features, slackPaceMs: 0 });
    try {
      const b = await createBinding(h);
      // Killed after deleting the dispatch rule.
      const del = await h.deps.livekit.deleteDispatchRule(b.resources.dispatchRuleId!);
      expect(del.ok).toBe(true);
      const steps: ChangeStep[] = [
        { op: 'delete', resource: 'rule', id: b.resources.dispatchRuleId!, status: 'done' },
        { op: 'delete', resource: 'inbound', id: b.resources.inboundTrunkId!, status: 'running' },
        { op: 'delete', resource: 'outbound', id: b.resources.outboundTrunkId!, status: 'pending' },
      ];
      await h.deps.repos.journal.open(
        {
          bindingName: 'acme-us',
          kind: 'delete',
          actor: ADMIN_USER,
          request: { spec: b, resources: b.resources },
          steps,
        },
        new Date(),
      );
      await h.stopService();
      const restarted = await startService(h.env, {
        pretty: false,
        slackRetry: { retries: 0 },
        drainMs: 1000,
        features,
      });
      try {
        expect(livekitState(h)).toEqual({ inbound: [], rules: [], outbound: [] });
        expect(await restarted.deps.repos.bindings.get('acme-us')).toBeUndefined();
      } finally {
        await restarted.shutdown('test');
      }
    } finally {
      await h.stop();
    }
  });
});

function bindingSpecFor(name: string) {
  return {
    name,
    trunkDomain: 'acme.pstn.sinch.com',
    dids: ['+14155550100'],
    callerId: '+14155550100',
    auth: { kind: 'acl' as const },
    transport: 'udp' as const,
    livekitSipHost: 'sip.acme.example',
    dispatch: { kind: 'individual' as const, roomPrefix: 'est-inbound-' },
    reportChannel: OPS_CHANNEL,
  };
}
