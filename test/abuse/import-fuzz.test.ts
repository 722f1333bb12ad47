import fc from 'fast-check';
import { isIPv4 } from 'node:net';
import { checkBindingField, fieldsFromSpec, specFromFields } from '../../src/domain/binding-input';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { ADMIN_USER, OPS_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { LIVE_MARKUP, mostly } from '../support/hostile-input';

/**
 * `/sip-setup import` through the same hostile corpus as the binding form (user-input-fuzz):
 * what is typed (name, the three IDs, host=, channel=, est-trunk=) and what is read from LiveKit (agent
 * name, room prefix, trunk address) must pass the form's validators or be refused.
 */
// 60 imports against the emulator take long on a busy machine; the waits are for conditions, this is a safety net.
jest.setTimeout(180_000);

describe('abuse: /sip-setup import, property-based', () => {
  let h: Harness;
  let seq = 0;
  let estTrunkId = '';
  beforeAll(async () => {
    // With a Sinch access key, so `est-trunk=` is taken up; LiveKit's IP is a stub (no DNS in tests).
    h = await startHarness({
      sinch: {},
      features: (deps) => [
        sipSetupFeature(deps, { lookupIpv4: async (host) => (isIPv4(host) ? host : '203.0.113.7') }),
      ],
    });
    estTrunkId = (await h.deps.sinch!.createTrunk({ name: 'hand-made', hostName: 'acme' })).id;
  });
  afterAll(async () => h.stop());

  type Typed = {
    name: string;
    inbound: string;
    rule: string;
    outbound: string;
    host: string;
    channel: string;
    estTrunk?: string;
  };
  type FromLiveKit = { agentName: string; roomPrefix: string; address: string };

  /** Resources as someone made them with `lk`; undefined when LiveKit itself refuses a value. */
  async function lkResources(v: FromLiveKit): Promise<{ inbound: string; rule: string; outbound: string } | undefined> {
    seq += 1;
    const number = `+1415666${String(seq).padStart(4, '0')}`;
    h.sinch!.addOwnedNumber(number);
    const lk = h.deps.livekit;
    const inb = await lk.createInboundTrunk({
      name: `lk-in-${seq}`,
      metadata: '',
      numbers: [number],
      mediaEncryption: 'disable',
    });
    if (!inb.ok) return undefined;
    const out = await lk.createOutboundTrunk({
      name: `lk-out-${seq}`,
      metadata: '',
      address: v.address,
      transport: 'udp',
      numbers: [number],
      authUsername: '',
      authPassword: '',
      mediaEncryption: 'disable',
    });
    const rule = await lk.createDispatchRule({
      name: `lk-rule-${seq}`,
      metadata: '',
      trunkIds: [inb.value.id],
      rule: { kind: 'individual', roomPrefix: v.roomPrefix, pin: '', noRandomness: false },
      agents: v.agentName ? [v.agentName] : [],
    });
    if (!out.ok || !rule.ok) return undefined;
    return { inbound: inb.value.id, rule: rule.value.id, outbound: out.value.id };
  }

  async function runImport(typed: Typed, fromLk: FromLiveKit): Promise<void> {
    const ids = await lkResources(fromLk);
    const id = (v: string, real: string | undefined) => (v === 'REAL' ? (real ?? 'ST_missing') : v);
    const words = [
      'import',
      typed.name,
      `inbound=${id(typed.inbound, ids?.inbound)}`,
      `rule=${id(typed.rule, ids?.rule)}`,
      `outbound=${id(typed.outbound, ids?.outbound)}`,
      ...(typed.host === 'DEFAULT' ? [] : [`host=${typed.host}`]),
      ...(typed.channel === 'DEFAULT' ? [] : [`channel=${typed.channel}`]),
      ...(!typed.estTrunk || typed.estTrunk === 'NONE'
        ? []
        : [`est-trunk=${typed.estTrunk === 'ID' ? estTrunkId : typed.estTrunk}`]),
    ];
    const responseId = `import-${seq}`;
    const res = await h.client.command('/sip-setup', words.join(' '), {
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
      response_id: responseId,
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toMatch(LIVE_MARKUP);
    // Acked with "Reading …": the verdict follows on response_url, and an accepted import is tracked before it.
    if (/Reading /.test(JSON.stringify(res.body))) await h.slack.waitForResponseUrlPost(responseId, 1, 25_000);
    await eventually(() => h.deps.inflight.size === 0, 25_000, 'the import to finish');
  }

  it('any value in any import field is refused or stored valid, and nothing reaches Slack live', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          name: mostly(fc.constantFrom('imp-a', 'imp-b', 'imp-c', 'imp-d')),
          inbound: mostly(fc.constant('REAL')),
          rule: mostly(fc.constant('REAL')),
          outbound: mostly(fc.constant('REAL')),
          host: mostly(fc.constantFrom('DEFAULT', 'sip.acme.example', '203.0.113.7')),
          channel: mostly(fc.constantFrom('DEFAULT', OPS_CHANNEL, '<#CREPORT01|reports>')),
          estTrunk: mostly(fc.constantFrom('NONE', 'acme', 'ID', 'acme.pstn.sinch.com', 'other')),
        }),
        fc.record({
          agentName: mostly(fc.constantFrom('', 'agent-1')),
          roomPrefix: mostly(fc.constant('call-')),
          address: mostly(fc.constant('acme.pstn.sinch.com')),
        }),
        runImport,
      ),
      { numRuns: 60 },
    );
    // The examples the issue names are refused; one clean import makes sure the checks below see a binding.
    await runImport(
      {
        name: 'imp-host',
        inbound: 'REAL',
        rule: 'REAL',
        outbound: 'REAL',
        host: '127.0.0.1;transport=tcp',
        channel: 'DEFAULT',
      },
      { agentName: 'a', roomPrefix: 'call-', address: 'acme.pstn.sinch.com' },
    );
    await runImport(
      { name: 'imp-chan', inbound: 'REAL', rule: 'REAL', outbound: 'REAL', host: 'DEFAULT', channel: '<!channel>' },
      { agentName: 'a', roomPrefix: 'call-', address: 'acme.pstn.sinch.com' },
    );
    await runImport(
      { name: 'imp-agent', inbound: 'REAL', rule: 'REAL', outbound: 'REAL', host: 'DEFAULT', channel: 'DEFAULT' },
      { agentName: '<!channel>', roomPrefix: 'call-', address: 'acme.pstn.sinch.com' },
    );
    await runImport(
      {
        name: 'imp-valid',
        inbound: 'REAL',
        rule: 'REAL',
        outbound: 'REAL',
        host: 'sip.acme.example',
        channel: 'DEFAULT',
      },
      { agentName: 'agent-1', roomPrefix: 'call-', address: 'acme.pstn.sinch.com' },
    );

    await runImport(
      {
        name: 'imp-est',
        inbound: 'REAL',
        rule: 'REAL',
        outbound: 'REAL',
        host: 'sip.acme.example',
        channel: 'DEFAULT',
        estTrunk: '<!here>',
      },
      { agentName: 'agent-1', roomPrefix: 'call-', address: 'acme.pstn.sinch.com' },
    );
    await runImport(
      {
        name: 'imp-est-ok',
        inbound: 'REAL',
        rule: 'REAL',
        outbound: 'REAL',
        host: 'sip.acme.example',
        channel: 'DEFAULT',
        estTrunk: 'ID',
      },
      { agentName: 'agent-1', roomPrefix: 'call-', address: 'acme.pstn.sinch.com' },
    );

    const bindings = await h.deps.repos.bindings.list();
    expect(bindings.find((b) => b.name === 'imp-est-ok')?.est).toEqual({ side: 'managed' });
    const names = bindings.map((b) => b.name);
    expect(names).toContain('imp-valid');
    expect(names).not.toContain('imp-est');
    // A binding that manages its EST side does so on the trunk LiveKit dials, never a trunk it created.
    for (const b of bindings.filter((x) => x.est?.side === 'managed'))
      expect(b.resources.est).toMatchObject({ trunkId: estTrunkId, trunkCreated: false });
    for (const refused of ['imp-host', 'imp-chan', 'imp-agent']) expect(names).not.toContain(refused);
    for (const b of bindings) {
      expect({ name: b.name, form: specFromFields(fieldsFromSpec(b), { existing: b }).ok }).toEqual({
        name: b.name,
        form: true,
      });
      expect(checkBindingField('livekitSipHost', b.livekitSipHost)).toEqual({ ok: true, value: b.livekitSipHost });
      expect(checkBindingField('reportChannel', b.reportChannel)).toEqual({ ok: true, value: b.reportChannel });
    }
    const posted = [
      ...h.slack.messages().map((m) => [m.text, m.blocks]),
      ...Array.from({ length: seq }, (_, i) => h.slack.responseUrlPosts(`import-${i + 1}`)),
    ];
    for (const p of posted) expect(JSON.stringify(p)).not.toMatch(LIVE_MARKUP);
  });
});
