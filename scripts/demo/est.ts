/**
 * The EST side through Sinch's API (issue 16): a binding created with the EST side managed (what was done on
 * each side), an EST endpoint changed behind SIP Ops' back and caught by the health run, and a test call refused
 * with 403 whose verdict cites EST's record of it. Its own service, with a Sinch access key for the Sinch
 * emulator (test/support/sinch-emulator), beside the LiveKit emulator and the Slack stand-in.
 */
import { summaryLines } from '../../src/domain/health-summary';
import type { DnsResolver, OptionsProber } from '../../src/domain/probes';
import type { AppDeps } from '../../src/features/feature';
import { performHealthRun } from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { testCallFeature } from '../../src/features/test-call';
import {
  ADMIN_USER,
  OPS_CHANNEL,
  SUPPORT_CHANNEL,
  eventually,
  startHarness,
  type Harness,
} from '../../test/support/app-harness';
import { bindingForm, bindingFormValues, createModalMeta } from '../../test/support/binding-form';
import type { SinchEmulator } from '../../test/support/sinch-emulator';
import { renderBlocks, renderMessage, unescapeSlack } from '../../test/support/slack-render';

const LIVEKIT_IP = '203.0.113.7';
const DIDS = ['+14155550100', '+14155550101'];

function check(ok: unknown, what: string): void {
  if (!ok) throw new Error(`EST demo: ${what}`);
}

function show(say: (line: string) => void, text: string): void {
  for (const line of text.split('\n')) say(`  │ ${line}`);
}

/** What the emulated Sinch project holds, as the Sinch dashboard would list it. */
function sinchHolds(sinch: SinchEmulator): string[] {
  const s = sinch.state;
  return [
    ...[...s.trunks.values()].map(
      (t) => `trunk ${t.id} host name "${t.hostName}", ACLs [${[...t.aclIds].join(', ')}], name ${t.name}`,
    ),
    ...[...s.endpoints.values()].map(
      (e) => `endpoint ${e.id} on ${e.sipTrunkId}: ${e.address}:${e.port}/${e.transport}, enabled ${String(e.enabled)}`,
    ),
    ...[...s.acls.values()].map((a) => `ACL ${a.id}: ${a.ipRanges.map((r) => `${r.ipAddress}/${r.range}`).join(', ')}`),
    ...[...s.numbers.values()].map(
      (n) => `number ${n.phoneNumber}: voice ${n.voice.type} trunk ${n.voice.trunkId ?? '-'}`,
    ),
  ];
}

async function lastMessage(h: Harness, channel: string, re: RegExp): Promise<string> {
  return eventually(
    () =>
      [...h.slack.topLevel(channel)]
        .reverse()
        .map((m) => unescapeSlack(renderBlocks(m.blocks ?? [])))
        .find((t) => re.test(t)),
    15_000,
    `a message matching ${re}`,
  );
}

async function createManaged(h: Harness, sinch: SinchEmulator, say: (line: string) => void): Promise<void> {
  say(`The Sinch project owns ${DIDS.join(' and ')}; it has no trunk, ACL or endpoint yet.`);
  say(
    `@${ADMIN_USER} types /sip-setup: the form has "EST side", set to "Managed by SIP Ops" (a Sinch access key is set)`,
  );
  const created = await h.client.submitView({
    callbackId: 'binding_modal',
    values: bindingFormValues(
      bindingForm({ name: 'demo-est', estSide: 'managed', livekitSipHost: LIVEKIT_IP, dids: DIDS.join('\n') }),
    ),
    privateMetadata: createModalMeta(OPS_CHANNEL),
  });
  check((created.body as { response_action?: string }).response_action === 'clear', 'the form was refused');
  say('…and presses Create. The change ends with:');
  show(say, await lastMessage(h, OPS_CHANNEL, /Binding .demo-est. created/));
  say('LiveKit now holds:');
  for (const t of h.livekit.inboundTrunks()) say(`  • inbound trunk ${t.sipTrunkId} numbers ${t.numbers.join(', ')}`);
  for (const t of h.livekit.outboundTrunks()) say(`  • outbound trunk ${t.sipTrunkId} → ${t.address}`);
  for (const r of h.livekit.dispatchRules()) say(`  • dispatch rule ${r.sipDispatchRuleId}`);
  say('The Sinch project now holds:');
  for (const l of sinchHolds(sinch)) say(`  • ${l}`);
  const b = await h.deps.repos.bindings.get('demo-est');
  check(b?.resources.est?.trunkCreated && b.resources.est.endpointCreated && b.resources.est.aclCreated, 'EST side');
  for (const n of sinch.state.numbers.values())
    check(n.voice.trunkId === b?.resources.est?.trunkId, `${n.phoneNumber} is not on the trunk`);
}

async function driftCaught(h: Harness, sinch: SinchEmulator, say: (line: string) => void): Promise<void> {
  const [endpoint] = [...sinch.state.endpoints.values()];
  check(endpoint, 'no endpoint');
  endpoint!.address = 'old-pbx.example';
  say('');
  say(`Someone edits the endpoint in the Sinch dashboard: it now points at old-pbx.example instead of ${LIVEKIT_IP}.`);
  say('The health run (DNS and OPTIONS probes stubbed here: nothing leaves this machine) reads EST too:');
  const resolver: DnsResolver = async () => ({ ok: true, addresses: [LIVEKIT_IP] });
  const prober: OptionsProber = async () => ({ kind: 'response', status: 200, reason: 'OK', rttMs: 3, server: 'x' });
  const before = sinch.requests.length;
  const run = await performHealthRun(h.deps, { prober, resolver });
  const acme = run.report.bindings.find((b) => b.name === 'demo-est');
  check(acme, 'the binding is not in the report');
  const line = summaryLines(run.report, { newFailures: [], recoveries: [], added: [], removed: [] }).lines[0] ?? '';
  say(`  summary line: ${unescapeSlack(line)}`);
  for (const f of acme!.findings.filter((x) => x.check.startsWith('est.') && x.status !== 'pass'))
    say(`  ${f.status === 'fail' ? '❌' : '⚠️'} ${f.title}: ${f.evidence}${f.nextStep ? ` → ${f.nextStep}` : ''}`);
  say(`  Sinch API calls for the run: ${sinch.requests.length - before}`);
  check(
    acme!.findings.some((f) => f.check === 'est.endpoint.target' && f.status === 'fail'),
    'drift not caught',
  );
  endpoint!.address = LIVEKIT_IP;
}

async function refusedCall(h: Harness, sinch: SinchEmulator, say: (line: string) => void): Promise<void> {
  const number = '+14155550403';
  const trunkId = [...sinch.state.trunks.values()][0]!.id;
  say('');
  say(
    `A test call to ${number}: LiveKit's INVITE reaches Sinch and EST answers 403 (the LiveKit emulator rejects it; the Sinch emulator holds EST's record of the call, result FAILED).`,
  );
  h.livekit.setCallOutcome(number, { kind: 'reject', sipStatus: 403, afterMs: 40 });
  sinch.addCall({
    to: number.slice(1),
    from: `sip:${DIDS[0]!.slice(1)}@${LIVEKIT_IP}`,
    direction: 'outbound',
    callResult: 'FAILED',
    createTime: new Date().toISOString(),
    durationSeconds: 0,
    trunkId,
  });
  say(`@${ADMIN_USER} in #${SUPPORT_CHANNEL} types: /sip-test-call demo-est ${number}`);
  await h.client.command({
    command: '/sip-test-call',
    text: `demo-est ${number}`,
    user_id: ADMIN_USER,
    channel_id: SUPPORT_CHANNEL,
  });
  const parent = await eventually(
    () =>
      h.slack
        .topLevel(SUPPORT_CHANNEL)
        .find((m) => m.versions[0]?.text.includes(`to ${number}: dialing`) && m.edits > 0),
    15_000,
    'the verdict',
  );
  const verdict = renderMessage({ blocks: parent.blocks });
  show(say, verdict);
  check(verdict.includes('EST refused it (FAILED'), 'the verdict does not cite EST');
}

export async function run(_shared: Harness, say: (line: string) => void): Promise<void> {
  const h = await startHarness({
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    sinch: { provisioningDelayMs: 30 },
    features: (deps: AppDeps) => [
      sipSetupFeature(deps, { lookupIpv4: async () => LIVEKIT_IP, provisioning: { polls: 20, intervalMs: 20 } }),
      testCallFeature(deps, { holdMs: 100 }),
    ],
  });
  try {
    const sinch = h.sinch!;
    for (const d of DIDS) sinch.addOwnedNumber(d);
    await createManaged(h, sinch, say);
    await driftCaught(h, sinch, say);
    await refusedCall(h, sinch, say);
  } finally {
    await h.stop();
  }
}
