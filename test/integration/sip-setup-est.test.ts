/**
 * The EST side of a binding through Sinch's API (issue 16 points 3, 4 and 8): the real service with a Sinch
 * access key for the Sinch emulator, the LiveKit emulator and the Slack stand-in.
 */
import { summaryLines } from '../../src/domain/health-summary';
import type { DnsResolver, OptionsProber } from '../../src/domain/probes';
import type { AppDeps } from '../../src/features/feature';
import { performHealthRun } from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { ADMIN_USER, OPS_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { bindingForm, submitCreateForm, type BindingForm } from '../support/binding-form';
import type { Fault, SinchEmulator } from '../support/sinch-emulator';
import { renderBlocks, unescapeSlack } from '../support/slack-render';

const LIVEKIT_IP = '203.0.113.7';
const features = (deps: AppDeps) => [
  sipSetupFeature(deps, {
    lookupIpv4: async () => LIVEKIT_IP,
    recoveryRetryMs: 60_000,
    provisioning: { polls: 4, intervalMs: 1 },
  }),
];

const managed = (o: Partial<BindingForm> = {}) =>
  bindingForm({ estSide: 'managed', livekitSipHost: 'sip.acme.example', ...o });

async function finalMessage(h: Harness, re: RegExp): Promise<string> {
  return eventually(
    () => {
      for (const m of h.slack.topLevel(OPS_CHANNEL)) {
        const text = unescapeSlack(renderBlocks(m.blocks ?? []));
        if (re.test(text)) return text;
      }
      return undefined;
    },
    8000,
    `a message matching ${re}`,
  );
}

/**
 * The Sinch client's per-request timeout here: short enough that a hung route fails its step quickly, long
 * enough that every other request (the change's and its rollback's) is answered on a machine under load
 * (at 300 ms, rollbacks timed out under `stress-ng` and were left for the retry).
 */
const SINCH_TIMEOUT_MS = 2000;

/** Everything the emulated Sinch project holds, comparable before and after a change. */
function sinchState(s: SinchEmulator) {
  const st = s.state;
  return JSON.stringify({
    trunks: [...st.trunks.values()].map((t) => ({
      id: t.id,
      hostName: t.hostName,
      acls: [...t.aclIds],
      creds: [...t.credentialListIds],
    })),
    endpoints: [...st.endpoints.values()].map((e) => ({
      id: e.id,
      trunk: e.sipTrunkId,
      address: e.address,
      port: e.port,
      transport: e.transport,
    })),
    acls: [...st.acls.values()].map((a) => ({ id: a.id, ranges: a.ipRanges.map((r) => `${r.ipAddress}/${r.range}`) })),
    creds: [...st.credentialLists.values()].map((c) => ({ id: c.id, users: c.credentials.map((x) => x.username) })),
    numbers: [...st.numbers.values()].map((n) => ({ n: n.phoneNumber, type: n.voice.type, trunk: n.voice.trunkId })),
  });
}

describe('/sip-setup with the EST side managed', () => {
  let h: Harness;
  let sinch: SinchEmulator;
  beforeEach(async () => {
    h = await startHarness({ features, sinch: { client: { timeoutMs: SINCH_TIMEOUT_MS } } });
    sinch = h.sinch!;
    sinch.addOwnedNumber('+14155550100');
    sinch.addOwnedNumber('+14155550101');
  });
  afterEach(async () => {
    await h.stop();
  });

  it('offers the EST side choice, managed by default, when a Sinch access key is set', async () => {
    await h.client.command('/sip-setup', '', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const open = await h.slack.waitFor('views.open');
    const blocks = (
      open.args.view as {
        blocks: Array<{
          block_id?: string;
          label?: { text: string };
          element?: { initial_option?: { value: string } };
        }>;
      }
    ).blocks;
    const side = blocks.find((b) => b.block_id === 'estSide');
    expect(side?.label?.text).toBe('EST side');
    expect(side?.element?.initial_option?.value).toBe('managed');
  });

  it('creates trunk, endpoint to LiveKit, ACL with its IP and assigns every DID, in the same change as LiveKit', async () => {
    expect((await submitCreateForm(h.client, managed())).body).toEqual({ response_action: 'clear' });
    const text = await finalMessage(h, /Binding .acme-us. created/);
    const [trunk] = [...sinch.state.trunks.values()];
    expect(trunk?.hostName).toBe('acme');
    const endpoints = [...sinch.state.endpoints.values()];
    expect(endpoints.map((e) => `${e.address}:${e.port}/${e.transport}`)).toEqual(['sip.acme.example:5060/UDP']);
    const [acl] = [...sinch.state.acls.values()];
    expect(acl?.ipRanges.map((r) => `${r.ipAddress}/${r.range}`)).toEqual([`${LIVEKIT_IP}/32`]);
    expect(trunk?.aclIds).toEqual([acl?.id]);
    for (const n of sinch.state.numbers.values()) expect(n.voice).toMatchObject({ type: 'EST', trunkId: trunk?.id });
    const b = await h.deps.repos.bindings.get('acme-us');
    expect(b?.est).toEqual({ side: 'managed' });
    expect(b?.resources.est).toMatchObject({
      trunkId: trunk?.id,
      trunkCreated: true,
      endpointCreated: true,
      aclId: acl?.id,
      aclCreated: true,
      aclLinked: true,
    });
    expect(text).toContain('Assign +14155550101 to the EST trunk');
    expect(text).not.toContain('country permission');
    expect(h.livekit.inboundTrunks()).toHaveLength(1);
  });

  it('warns when the caller ID country is disabled in EST country permissions', async () => {
    sinch.addOwnedNumber('+442071838750', 'GB');
    await submitCreateForm(
      h.client,
      managed({
        name: 'acme-uk',
        dids: '+442071838750',
        callerId: '+442071838750',
        trunkDomain: 'acme-uk.pstn.sinch.com',
      }),
    );
    const text = await finalMessage(h, /Binding .acme-uk. created/);
    expect(text).toContain('EST country permission for United Kingdom (GB) is disabled');
  });

  it('adopts an existing trunk and a shared ACL, and a failure at the second DID leaves both systems as they were', async () => {
    const g = h.deps.sinch!;
    const trunk = await g.createTrunk({ name: 'hand-made', hostName: 'acme' });
    const shared = await g.createAcl({
      name: 'office',
      enabled: true,
      ipRanges: [{ ipAddress: LIVEKIT_IP, range: 32 }],
    });
    const before = sinchState(sinch);
    expect(sinch.state.trunks.get(trunk.id)?.aclIds).toEqual([]);
    // The first DID moves; the second never finishes provisioning.
    sinch.setStuck('+14155550101', true);
    await submitCreateForm(h.client, managed());
    const text = await finalMessage(h, /rolled back|failed/i);
    expect(text).toMatch(/Assign \+14155550101 to the EST trunk failed: Sinch has not finished moving \+14155550101/);
    expect(sinchState(sinch)).toBe(before);
    expect(sinch.state.trunks.get(trunk.id)).toBeDefined();
    expect(sinch.state.acls.get(shared.id)).toBeDefined();
    expect(h.livekit.inboundTrunks()).toHaveLength(0);
    expect(await h.deps.repos.bindings.get('acme-us')).toBeUndefined();
  });

  it('show lists the EST side desired vs actual, with a drifted endpoint marked; delete releases the DIDs and removes only what the binding created', async () => {
    await submitCreateForm(h.client, managed());
    await finalMessage(h, /Binding .acme-us. created/);
    const [endpoint] = [...sinch.state.endpoints.values()];
    endpoint!.port = 5070;
    await h.client.command('/sip-setup', 'show acme-us', { user_id: 'UANYONE', channel_id: OPS_CHANNEL });
    await h.slack.waitForResponseUrlPost('default', 1);
    const shown = unescapeSlack(renderBlocks((h.slack.responseUrlPosts()[0] as { blocks: unknown[] }).blocks));
    expect(shown).toContain('*EST side* (managed by SIP Ops): desired vs actual');
    expect(shown).toMatch(/drift: endpoint port: binding .5060., EST .5070./);
    expect(shown).toMatch(/✅ DID \+14155550100 on the trunk/);

    const b = (await h.deps.repos.bindings.get('acme-us'))!;
    const res = await h.client.submitView({
      callbackId: 'binding_delete_confirm',
      values: {
        releaseDids: {
          value: {
            type: 'radio_buttons',
            selected_option: { text: { type: 'plain_text', text: 'Release' }, value: 'release' },
          },
        },
      },
      privateMetadata: JSON.stringify({ name: 'acme-us', id: b.id, version: b.version, channel: OPS_CHANNEL }),
      user: ADMIN_USER,
    });
    expect(res.body).toEqual({ response_action: 'clear' });
    await finalMessage(h, /Binding .acme-us. deleted/);
    expect(sinch.state.trunks.size).toBe(0);
    expect(sinch.state.acls.size).toBe(0);
    for (const n of sinch.state.numbers.values()) expect(n.voice.type).toBe('RTC');
  });

  it('health run: a drifted endpoint is caught, EST calls are tallied per trunk with a constant number of Sinch calls', async () => {
    await submitCreateForm(h.client, managed());
    await finalMessage(h, /Binding .acme-us. created/);
    const [trunk] = [...sinch.state.trunks.values()];
    [...sinch.state.endpoints.values()][0]!.address = 'old-pbx.example';
    const resolver: DnsResolver = async () => ({ ok: true, addresses: [LIVEKIT_IP] });
    const prober: OptionsProber = async () => ({
      kind: 'response',
      status: 200,
      reason: 'OK',
      rttMs: 1,
      server: 'fake',
    });
    const historyCalls = async (calls: number) => {
      sinch.state.calls.length = 0;
      const at = new Date(Date.now() - 60_000).toISOString();
      for (let i = 0; i < calls; i++) {
        sinch.addCall({
          from: '+15550100000',
          to: '+14155550100',
          direction: 'inbound',
          callResult: i % 4 === 0 ? 'FAILED' : 'COMPLETED',
          createTime: at,
          durationSeconds: 5,
          trunkId: trunk!.id,
        });
      }
      const before = sinch.requests.length;
      const run = await performHealthRun(h.deps, { prober, resolver });
      return { run, sinchCalls: sinch.requests.length - before };
    };
    const few = await historyCalls(4);
    const many = await historyCalls(2500);
    expect(many.sinchCalls).toBe(few.sinchCalls);
    const report = many.run.report;
    const acme = report.bindings.find((b) => b.name === 'acme-us')!;
    expect(acme.findings.find((f) => f.check === 'est.endpoint.target')).toMatchObject({ status: 'fail' });
    expect(acme.status).toBe('fail');
    const line = summaryLines(report, { newFailures: [], recoveries: [], added: [], removed: [] }).lines[0];
    expect(line).toContain('EST 2500 calls, LiveKit 0; EST failures: FAILED 625');
  });

  it('refuses, before anything is created, a DID the project does not own or one on another trunk', async () => {
    const g = h.deps.sinch!;
    const other = await g.createTrunk({ name: 'other', hostName: 'other' });
    sinch.state.numbers.get('+14155550101')!.voice = {
      type: 'EST',
      trunkId: other.id,
      appId: '',
      lastUpdatedTime: null,
    };
    const before = sinchState(sinch);
    const res = await submitCreateForm(h.client, managed({ dids: '+14155550101\n+14155550199' }));
    const errors = (res.body as { errors?: Record<string, string> }).errors;
    expect(errors?.dids).toContain(`+14155550101 is on another EST trunk (${other.id})`);
    expect(errors?.dids).toContain('+14155550199 is not a number of this Sinch project');
    expect(sinchState(sinch)).toBe(before);
    expect(h.livekit.inboundTrunks()).toHaveLength(0);
  });

  it('digest mode: a credential list with the user, linked to the trunk; the password never reaches Slack, logs or the audit log', async () => {
    const password = 'Sup3r-Secret-Digest';
    await submitCreateForm(
      h.client,
      managed({ authKind: 'digest', digestUsername: 'acme-user', digestPassword: password }),
    );
    await finalMessage(h, /Binding .acme-us. created/);
    const [list] = [...sinch.state.credentialLists.values()];
    expect(list?.credentials.map((c) => [c.username, c.password])).toEqual([['acme-user', password]]);
    expect([...sinch.state.trunks.values()][0]?.credentialListIds).toEqual([list?.id]);
    expect(JSON.stringify(h.slack.calls)).not.toContain(password);
    expect(JSON.stringify(await h.deps.repos.audit.list())).not.toContain(password);
    const journal = await h.deps.repos.journal.listFor('acme-us');
    expect(JSON.stringify(journal)).not.toContain(password);
  });

  /** Resources made by hand with `lk` for DIDs +14155550100/0101 dialing `acme.pstn.sinch.com`. */
  async function lkMade(): Promise<string> {
    const lk = h.deps.livekit;
    const numbers = ['+14155550100', '+14155550101'];
    const inb = await lk.createInboundTrunk({ name: 'lk-in', metadata: '', numbers, mediaEncryption: 'disable' });
    const out = await lk.createOutboundTrunk({
      name: 'lk-out',
      metadata: '',
      address: 'acme.pstn.sinch.com',
      transport: 'udp',
      numbers: ['+14155550100'],
      authUsername: '',
      authPassword: '',
      mediaEncryption: 'disable',
    });
    if (!inb.ok || !out.ok) throw new Error('setup');
    const rule = await lk.createDispatchRule({
      name: 'lk-rule',
      metadata: '',
      trunkIds: [inb.value.id],
      rule: { kind: 'individual', roomPrefix: 'call-', pin: '', noRandomness: false },
      agents: [],
    });
    if (!rule.ok) throw new Error('setup');
    return `inbound=${inb.value.id} rule=${rule.value.id} outbound=${out.value.id} host=sip.acme.example`;
  }

  async function importReply(text: string, id: string): Promise<string> {
    await h.client.command('/sip-setup', text, { user_id: ADMIN_USER, channel_id: OPS_CHANNEL, response_id: id });
    const posts = await h.slack.waitForResponseUrlPost(id, 1);
    return (posts.at(-1) as { text: string }).text;
  }

  it('import est-trunk=<host name or ID>: adopts the EST trunk, adds the endpoint, ACL and DIDs; delete keeps the trunk', async () => {
    const g = h.deps.sinch!;
    const trunk = await g.createTrunk({ name: 'hand-made', hostName: 'acme' });
    const other = await g.createTrunk({ name: 'other', hostName: 'other' });
    const ids = await lkMade();
    const before = sinchState(sinch);

    // Refused, nothing imported and nothing sent to Sinch: unknown trunk, a trunk LiveKit does not dial, a bad value.
    expect(await importReply(`import lk-acme ${ids} est-trunk=nope`, 'r1')).toContain(
      'The Sinch project has no EST trunk with the ID or host name `nope`',
    );
    expect(await importReply(`import lk-acme ${ids} est-trunk=${other.id}`, 'r2')).toContain(
      "LiveKit's outbound trunk dials `acme.pstn.sinch.com`: they are not the same trunk",
    );
    const bad = await h.client.command('/sip-setup', `import lk-acme ${ids} est-trunk=<!here>`, {
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
    });
    expect((bad.body as { text: string }).text).toContain('`est-trunk=` takes the EST trunk ID');
    // A DID the project does not own is refused as the form refuses it.
    sinch.state.numbers.delete('+14155550101');
    expect(await importReply(`import lk-acme ${ids} est-trunk=acme`, 'r3')).toContain(
      '+14155550101 is not a number of this Sinch project',
    );
    sinch.addOwnedNumber('+14155550101');
    expect(sinchState(sinch)).toBe(before);
    expect(await h.deps.repos.bindings.count()).toBe(0);

    // By domain (its first label is the host name); the ID works the same way.
    await importReply(`import lk-acme ${ids} est-trunk=ACME.pstn.sinch.com`, 'ok');
    const text = await finalMessage(h, /Binding .lk-acme. imported/);
    expect(text).toContain(`EST side managed on the existing trunk \`${trunk.id}\``);
    const b = (await h.deps.repos.bindings.get('lk-acme'))!;
    expect(b.est).toEqual({ side: 'managed' });
    expect(b.resources.est).toMatchObject({ trunkId: trunk.id, trunkCreated: false, endpointCreated: true });
    expect([...sinch.state.endpoints.values()].map((e) => `${e.sipTrunkId} ${e.address}:${e.port}`)).toEqual([
      `${trunk.id} sip.acme.example:5060`,
    ]);
    expect(sinch.state.trunks.get(trunk.id)?.aclIds).toHaveLength(1);
    for (const n of sinch.state.numbers.values()) expect(n.voice).toMatchObject({ type: 'EST', trunkId: trunk.id });

    // Delete asks about the DIDs; keeping them: the adopted trunk and the DIDs stay, the binding's additions go.
    await h.client.command('/sip-setup', 'delete lk-acme', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    const shownModal = JSON.stringify(upd.args.view);
    expect(shownModal).toContain('Release the DIDs from the EST trunk?');
    expect(shownModal).not.toContain(`Remove EST trunk`);
    const res = await h.client.submitView({
      callbackId: 'binding_delete_confirm',
      values: {
        releaseDids: {
          value: {
            type: 'radio_buttons',
            selected_option: { text: { type: 'plain_text', text: 'Keep' }, value: 'keep' },
          },
        },
      },
      privateMetadata: JSON.stringify({ name: 'lk-acme', id: b.id, version: b.version, channel: OPS_CHANNEL }),
      user: ADMIN_USER,
    });
    expect(res.body).toEqual({ response_action: 'clear' });
    await finalMessage(h, /Binding .lk-acme. deleted/);
    expect(sinch.state.trunks.get(trunk.id)).toBeDefined();
    expect(sinch.state.endpoints.size).toBe(0);
    expect(sinch.state.acls.size).toBe(0);
    expect(sinch.state.trunks.get(trunk.id)?.aclIds).toEqual([]);
    for (const n of sinch.state.numbers.values()) expect(n.voice).toMatchObject({ type: 'EST', trunkId: trunk.id });
  });
});

/** Each EST step × each fault: a message naming the step and the cause, and both systems as they were. */
describe('EST faults per step', () => {
  let h: Harness;
  let sinch: SinchEmulator;
  beforeAll(async () => {
    h = await startHarness({ features, sinch: { client: { timeoutMs: SINCH_TIMEOUT_MS } } });
    sinch = h.sinch!;
  });
  afterAll(async () => {
    await h.stop();
  });

  const steps: Array<{ route: string; label: RegExp; digest?: boolean }> = [
    { route: 'POST /trunks', label: /Adopt or create EST trunk/ },
    { route: 'POST /trunks/{id}/endpoints', label: /Set up EST endpoint/ },
    { route: 'POST /accessControlLists', label: /Set up EST ACL/ },
    { route: 'POST /trunks/{id}/accessControlLists', label: /Set up EST ACL/ },
    { route: 'POST /credentialLists', label: /Set up EST credential list/, digest: true },
    { route: 'PATCH /activeNumbers/{e164}', label: /Assign \+1\d+ to the EST trunk/ },
  ];
  const faults: Array<{ fault: Fault; cause: RegExp }> = [
    { fault: { status: 401 }, cause: /rejected the access key/ },
    { fault: { status: 403 }, cause: /refused access/ },
    { fault: { status: 404 }, cause: /no such resource/ },
    { fault: { status: 409 }, cause: /conflict/ },
    { fault: { status: 429, retryAfterSec: 1 }, cause: /rate limiting/ },
    { fault: { status: 500 }, cause: /unavailable/ },
    { fault: { hang: true }, cause: /did not answer before the timeout/ },
  ];
  let n = 0;
  for (const s of steps) {
    for (const f of faults) {
      it(`${s.route} → ${'hang' in f.fault ? 'hang' : f.fault.status}`, async () => {
        n += 1;
        const did = `+1415555${String(1000 + n).padStart(4, '0')}`;
        sinch.addOwnedNumber(did);
        const name = `fault-${n}`;
        const before = sinchState(sinch);
        const lkBefore = h.livekit.inboundTrunks().length;
        sinch.failNext(s.route, f.fault, 10);
        try {
          await submitCreateForm(
            h.client,
            managed({
              name,
              dids: did,
              callerId: did,
              trunkDomain: `f${n}.pstn.sinch.com`,
              ...(s.digest ? { authKind: 'digest', digestUsername: 'u', digestPassword: 'pw-secret-1' } : {}),
            }),
          );
          const text = await finalMessage(h, new RegExp(`${name}[\\s\\S]*(rolled back|failed)`, 'i'));
          expect(text).toMatch(s.label);
          expect(text).toMatch(f.cause);
          expect(text).not.toContain('pw-secret-1');
        } finally {
          sinch.clearFaults();
        }
        await eventually(
          async () => (await h.deps.repos.journal.listFor(name))[0]?.state === 'rolled_back',
          5000,
          'rolled back',
        );
        expect(sinchState(sinch)).toBe(before);
        expect(h.livekit.inboundTrunks()).toHaveLength(lkBefore);
      });
    }
  }

  it('a number stuck in provisioning: the message names the number, and both systems are as they were', async () => {
    const did = '+14155559999';
    sinch.addOwnedNumber(did, 'US', { stuck: true });
    const before = sinchState(sinch);
    await submitCreateForm(
      h.client,
      managed({ name: 'stuck-one', dids: did, callerId: did, trunkDomain: 'stuck.pstn.sinch.com' }),
    );
    const text = await finalMessage(h, /stuck-one[\s\S]*(rolled back|failed)/i);
    expect(text).toMatch(/Assign \+14155559999 to the EST trunk[\s\S]*has not finished moving \+14155559999/);
    await eventually(
      async () => (await h.deps.repos.journal.listFor('stuck-one'))[0]?.state === 'rolled_back',
      5000,
      'rolled back',
    );
    expect(sinchState(sinch)).toBe(before);
  });
});
