import fc from 'fast-check';
import { parseManagedTag } from '../../src/domain/livekit-model';
import {
  ADMIN_USER,
  OPS_CHANNEL,
  SUPPORT_CHANNEL,
  eventually,
  startHarness,
  type Harness,
} from '../support/app-harness';
import { LIVE_MARKUP, mostly, nasty } from '../support/hostile-input';
import { conversationsSelect, radioButtons, staticSelect, textInput } from '../support/slack-request';

describe('abuse: every user-typed field, property-based', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  it('the binding modal: any value in any field gets errors on its blocks or a consistent binding, never a 5xx or live markup', async () => {
    const fieldNames = [
      'name',
      'trunkDomain',
      'dids',
      'callerId',
      'digestUsername',
      'digestPassword',
      'livekitSipHost',
      'roomPrefix',
      'roomName',
      'agentName',
    ] as const;
    type Form = {
      [K in (typeof fieldNames)[number] | 'authKind' | 'transport' | 'dispatchKind' | 'reportChannel']: string;
    };
    const submit = async (f: Form) => {
      const values: Record<string, Record<string, ReturnType<typeof textInput>>> = {
        authKind: { value: radioButtons(f.authKind) },
        transport: { value: staticSelect(f.transport) },
        dispatchKind: { value: staticSelect(f.dispatchKind) },
        reportChannel: { value: conversationsSelect(f.reportChannel) },
      };
      for (const k of fieldNames) values[k] = { value: textInput(f[k] || null) };
      const res = await h.client.submitView({
        callbackId: 'binding_modal',
        values,
        privateMetadata: JSON.stringify({ mode: 'create', channel: OPS_CHANNEL }),
        user: ADMIN_USER,
      });
      expect(res.status).toBe(200);
      const body = res.body as { response_action: string; errors?: Record<string, string> };
      expect(['errors', 'clear']).toContain(body.response_action);
      if (body.errors) for (const k of Object.keys(body.errors)) expect(Object.keys(values)).toContain(k);
      // Modal errors are plain text in Slack (no mrkdwn), so quoting the input there is safe.
      await eventually(() => h.deps.inflight.size === 0, 5000, 'the change to finish');
    };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          name: mostly(fc.constantFrom('fuzz-a', 'fuzz-b', 'fuzz-c')),
          trunkDomain: mostly(fc.constant('acme.pstn.sinch.com')),
          dids: mostly(fc.constantFrom('+1 (415) 555-0100', '+14155550101, +442071234567', '+14155550102')),
          callerId: mostly(fc.constant('+14155550100')),
          digestUsername: mostly(fc.constant('est-user')),
          digestPassword: mostly(fc.constant('pw-1234')),
          livekitSipHost: mostly(fc.constant('203.0.113.7')),
          roomPrefix: mostly(fc.constant('est-inbound-')),
          roomName: mostly(fc.constant('lobby')),
          agentName: mostly(fc.constant('agent-1')),
          authKind: fc.constantFrom('acl', 'acl', 'digest', 'bogus'),
          transport: fc.constantFrom('udp', 'tcp', 'tls', 'udp', 'sctp'),
          dispatchKind: fc.constantFrom('individual', 'direct', 'callee', 'individual', 'x'),
          reportChannel: mostly(fc.constant(OPS_CHANNEL)),
        }),
        submit,
      ),
      { numRuns: 60 },
    );
    // Random runs may all be refused; one valid form makes sure the check below has a binding to look at.
    await submit({
      name: 'fuzz-valid',
      trunkDomain: 'acme.pstn.sinch.com',
      dids: '+14155550199',
      callerId: '+14155550199',
      digestUsername: 'est-user',
      digestPassword: 'pw-1234',
      livekitSipHost: '203.0.113.7',
      roomPrefix: 'est-fuzz-',
      roomName: 'lobby',
      agentName: 'agent-1',
      authKind: 'acl',
      transport: 'udp',
      dispatchKind: 'individual',
      reportChannel: OPS_CHANNEL,
    });
    // Whatever got through is a whole binding; LiveKit holds nothing else.
    const bindings = await h.deps.repos.bindings.list();
    expect(bindings.map((b) => b.name)).toContain('fuzz-valid');
    const owned = new Set(bindings.flatMap((b) => Object.values(b.resources)));
    for (const t of [...h.livekit.inboundTrunks(), ...h.livekit.outboundTrunks()])
      expect(owned.has(t.sipTrunkId)).toBe(true);
    for (const r of h.livekit.dispatchRules()) expect(owned.has(r.sipDispatchRuleId)).toBe(true);
    for (const b of bindings) expect(Object.keys(b.resources)).toHaveLength(3);
    for (const t of h.livekit.inboundTrunks()) expect(parseManagedTag(t.metadata)).toBeDefined();
    for (const m of h.slack.messages()) expect(JSON.stringify([m.text, m.blocks])).not.toMatch(LIVE_MARKUP);
  });

  it('/sip-test-call: any text is refused or dialed within the guards, never a 5xx or live markup', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(nasty, { maxLength: 4 }), async (words) => {
        const text = words.join(' ');
        const res = await h.client.command({
          command: '/sip-test-call',
          text,
          user_id: 'UFUZZ001',
          channel_id: SUPPORT_CHANNEL,
        });
        expect(res.status).toBe(200);
        expect(JSON.stringify(res.body)).not.toMatch(LIVE_MARKUP);
      }),
      { numRuns: 60 },
    );
    // No binding named by the fuzz exists with an outbound trunk to dial, so nothing was dialed.
    expect(h.livekit.countCalls('CreateSIPParticipant')).toBe(0);
  });
});
