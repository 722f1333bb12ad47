/**
 * The Sinch key secret and the digest passwords never leave SIP Ops (issue 16 point 8): across a managed create,
 * an edit of the password, a change that fails at an EST step and a health run, none of them is in a Slack call,
 * a log line (pino's JSON output at debug level, captured), /metrics, the audit log or the change journal.
 */
import { Writable } from 'node:stream';
import type { DnsResolver, OptionsProber } from '../../src/domain/probes';
import type { AppDeps } from '../../src/features/feature';
import { performHealthRun } from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { ADMIN_USER, OPS_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { bindingForm, bindingFormValues, submitCreateForm, type BindingForm } from '../support/binding-form';
import type { SinchEmulator } from '../support/sinch-emulator';
import { renderBlocks, unescapeSlack } from '../support/slack-render';

const LIVEKIT_IP = '203.0.113.7';
const FIRST = 'Digest-Pw-First-1';
const SECOND = 'Digest-Pw-Second-2';
const THIRD = 'Digest-Pw-Failed-3';

describe('secrets across the EST side', () => {
  let h: Harness;
  let sinch: SinchEmulator;
  const logLines: string[] = [];

  beforeAll(async () => {
    const logDestination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    h = await startHarness({
      env: { LOG_LEVEL: 'debug' },
      logDestination,
      sinch: { client: { timeoutMs: 2000 } },
      features: (deps: AppDeps) => [
        sipSetupFeature(deps, { lookupIpv4: async () => LIVEKIT_IP, provisioning: { polls: 4, intervalMs: 1 } }),
      ],
    });
    sinch = h.sinch!;
    for (const n of ['+14155550100', '+14155550101', '+14155550102']) sinch.addOwnedNumber(n);
  });
  afterAll(async () => {
    await h.stop();
  });

  async function finalMessage(re: RegExp): Promise<string> {
    return eventually(
      () =>
        h.slack
          .topLevel(OPS_CHANNEL)
          .map((m) => unescapeSlack(renderBlocks(m.blocks ?? [])))
          .find((t) => re.test(t)),
      10_000,
      `a message matching ${re}`,
    );
  }

  const digest = (o: Partial<BindingForm>) =>
    bindingForm({ estSide: 'managed', authKind: 'digest', digestUsername: 'acme-user', ...o });

  it('create, edit, a failing EST step and a health run: no secret in Slack, logs, /metrics, audit or journal', async () => {
    // A managed create with digest auth: the password goes to LiveKit and to EST's credential list only.
    await submitCreateForm(h.client, digest({ digestPassword: FIRST }));
    await finalMessage(/Binding .acme-us. created/);
    const [list] = [...sinch.state.credentialLists.values()];
    expect(list?.credentials).toEqual([expect.objectContaining({ username: 'acme-user', password: FIRST })]);

    // An edit of the password: EST's credential is updated.
    await h.client.command('/sip-setup', 'acme-us', { user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const upd = await h.slack.waitFor('views.update');
    const meta = (upd.args.view as { private_metadata: string }).private_metadata;
    const sentBefore = sinch.requests.length;
    const edited = await h.client.submitView({
      callbackId: 'binding_modal',
      values: bindingFormValues(digest({ digestPassword: SECOND }), 'edit'),
      privateMetadata: meta,
      user: ADMIN_USER,
    });
    expect(edited.body).toEqual({ response_action: 'clear' });
    await finalMessage(/Binding .acme-us. updated/);
    // Edits send only what differs: the one credential, nothing else is written in Sinch.
    const writes = sinch.requests.slice(sentBefore).filter((r) => !/^(GET|POST \/oauth2)/.test(r));
    expect(writes).toEqual([expect.stringMatching(/^PUT \/credentialLists\/\{id\}\/credentials/)]);
    expect([...sinch.state.credentialLists.values()][0]?.credentials).toEqual([
      expect.objectContaining({ username: 'acme-user', password: SECOND }),
    ]);

    // A change that fails at an EST step (the credential list create answers 500) and is rolled back.
    sinch.failNext('POST /credentialLists', { status: 500, message: `boom ${THIRD}` });
    await submitCreateForm(
      h.client,
      digest({
        name: 'acme-eu',
        trunkDomain: 'acme-eu.pstn.sinch.com',
        dids: '+14155550102',
        callerId: '+14155550102',
        digestPassword: THIRD,
      }),
    );
    // The failure is reported with Sinch's words, the password it echoed taken out.
    expect(await finalMessage(/acme-eu[^]*(rolled back|failed)/i)).toContain('boom [redacted]');
    expect(await h.deps.repos.bindings.get('acme-eu')).toBeUndefined();

    // A health run reads every EST resource, the credential lists included.
    const resolver: DnsResolver = async () => ({ ok: true, addresses: [LIVEKIT_IP] });
    const prober: OptionsProber = async () => ({ kind: 'response', status: 200, reason: 'OK', rttMs: 1, server: 'x' });
    const run = await performHealthRun(h.deps, { prober, resolver });
    expect(run.report.bindings.find((b) => b.name === 'acme-us')).toBeDefined();

    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    const audit = JSON.stringify(await h.deps.repos.audit.list());
    const journal = JSON.stringify([
      ...(await h.deps.repos.journal.listFor('acme-us')),
      ...(await h.deps.repos.journal.listFor('acme-eu')),
    ]);
    const logs = logLines.join('');
    // The capture is real: the changes, the Sinch requests and the failure were logged.
    expect(logs).toContain('acme-eu');
    expect(logLines.length).toBeGreaterThan(20);
    expect(metrics).toContain('sinch');
    const places = { slack: JSON.stringify(h.slack.calls), logs, metrics, audit, journal };
    for (const secret of [sinch.keySecret, FIRST, SECOND, THIRD]) {
      for (const [where, text] of Object.entries(places))
        expect({ where, secret, leaked: text.includes(secret) }).toEqual({ where, secret, leaked: false });
    }
  });
});
