import { ListUpdate, SIPMediaConfig, SIPMediaEncryption, SIPTransport } from '@livekit/protocol';
import {
  AccessToken,
  RoomAgentDispatch,
  RoomConfiguration,
  SIPDispatchRuleInfo,
  SIPInboundTrunkInfo,
  SipClient,
} from 'livekit-server-sdk';
import { LiveKitEmulator, serverError } from '../support/livekit-emulator/index';

const ID = /^[2-9A-HJ-NP-Za-km-z]{12}$/;
const UDP = { transport: SIPTransport.SIP_TRANSPORT_UDP };

/** Trunks and dispatch rules: validation, conflicts, ListUpdate, list/delete semantics (§5). */
describe('LiveKit emulator: SIP trunks and dispatch rules', () => {
  let lk: LiveKitEmulator;
  let sip: SipClient;
  beforeAll(async () => {
    lk = await LiveKitEmulator.start();
    sip = new SipClient(lk.url, lk.apiKey, lk.apiSecret);
  });
  afterEach(() => lk.reset());
  afterAll(async () => lk.stop());

  describe('inbound trunks', () => {
    it('creates with ST_ IDs and holds every field verbatim', async () => {
      const t = await sip.createSipInboundTrunk('main', ['+15550100'], {
        metadata: '{"binding":"C123"}',
        allowedAddresses: ['192.0.2.0/24'],
        authUsername: 'u',
        authPassword: 'p',
        headers: { 'X-Org': 'acme' },
        headersToAttributes: { 'X-Foo': 'foo' },
        ringingTimeout: 20,
        krispEnabled: true,
      });
      expect(t.sipTrunkId.slice(0, 3)).toBe('ST_');
      expect(t.sipTrunkId.slice(3)).toMatch(ID);
      expect(t).toMatchObject({
        name: 'main',
        metadata: '{"binding":"C123"}',
        numbers: ['+15550100'],
        authUsername: 'u',
        krispEnabled: true,
      });
      expect(t.ringingTimeout?.seconds).toBe(20n);
      expect(lk.inboundTrunks()[0]!.headers).toEqual({ 'X-Org': 'acme' });
    });

    it('rejects a trunk with neither numbers, addresses nor auth, and forbidden headers', async () => {
      const e = await serverError(sip.createSipInboundTrunk('open', []));
      expect(e).toMatchObject({ status: 400, code: 'invalid_argument' });
      expect(e.message).toBe(
        'for security, one of the fields must be set: AuthUsername+AuthPassword, AllowedAddresses or Numbers',
      );
      const h = await serverError(sip.createSipInboundTrunk('h', ['+15550100'], { headers: { 'Call-ID': 'x' } }));
      expect(h.message).toBe('invalid header name: header name Call-ID not supported');
    });

    it('detects number conflicts after normalization', async () => {
      const a = await sip.createSipInboundTrunk('a', ['+15550100']);
      for (const n of ['+1 (555) 0100', '15550100', '+1-555-0100']) {
        const e = await serverError(sip.createSipInboundTrunk('b', [n]));
        expect(e.status).toBe(400);
        expect(e.message).toBe(
          `Conflicting inbound SIP Trunks: "<new>" and "${a.sipTrunkId}", using the same number(s) ["${n}"] without AllowedNumbers set`,
        );
      }
      await expect(sip.createSipInboundTrunk('c', ['+15550101'])).resolves.toBeDefined();
    });

    it('lets allowedNumbers disambiguate trunks sharing a number, unless they share an allowed number', async () => {
      const a = await sip.createSipInboundTrunk('a', ['+15550100'], { allowedNumbers: ['+15559999'] });
      await sip.createSipInboundTrunk('b', ['+15550100'], { allowedNumbers: ['+15558888'] });
      const e = await serverError(
        sip.createSipInboundTrunk('c', ['+15550100', '+15550102'], { allowedNumbers: ['1 555 9999'] }),
      );
      expect(e.message).toBe(
        `Conflicting inbound SIP Trunks: "<new>" and "${a.sipTrunkId}", using the same number(s) ["+15550100" "+15550102"] and AllowedNumber "1 555 9999"`,
      );
      // one open trunk per number is still allowed next to filtered ones
      await expect(sip.createSipInboundTrunk('open', ['+15550100'])).resolves.toBeDefined();
    });

    it('allows only one wildcard trunk without allowedNumbers', async () => {
      const w = await sip.createSipInboundTrunk('w1', [], { authUsername: 'u', authPassword: 'p' });
      const e = await serverError(sip.createSipInboundTrunk('w2', [], { allowedAddresses: ['1.2.3.4/32'] }));
      expect(e.message).toBe(
        `Conflicting inbound SIP Trunks: "<new>" and "${w.sipTrunkId}", using the same number(s) <any> without AllowedNumbers set`,
      );
      // a wildcard trunk does not conflict with a numbered one
      await expect(sip.createSipInboundTrunk('n', ['+15550100'])).resolves.toBeDefined();
    });

    it('applies ListUpdate semantics and re-validates on update', async () => {
      const t = await sip.createSipInboundTrunk('t', ['+15550100', '+15550101']);
      let u = await sip.updateSipInboundTrunkFields(t.sipTrunkId, {
        numbers: new ListUpdate({ add: ['+15550102', '+15550101'], remove: ['+15550100'] }),
      });
      expect(u.numbers).toEqual(['+15550101', '+15550102']);
      u = await sip.updateSipInboundTrunkFields(t.sipTrunkId, {
        numbers: new ListUpdate({ set: ['+15550200'] }),
        name: 'renamed',
        metadata: 'm2',
      });
      expect(u).toMatchObject({ numbers: ['+15550200'], name: 'renamed', metadata: 'm2' });
      const both = await serverError(
        sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ set: ['+1'], add: ['+2'] }) }),
      );
      expect(both).toMatchObject({
        status: 400,
        code: 'invalid_argument',
        message: 'cannot set and change the list at the same time',
      });
      const emptySet = await serverError(
        sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ set: [] }) }),
      );
      expect(emptySet.message).toBe('unsupported list update operation');
      const clearAdd = await serverError(
        sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ clear: true, add: ['+3'] }) }),
      );
      expect(clearAdd.message).toBe('cannot clear and change the list at the same time');
      // {clear} is the way to empty a list; here it removes what made the trunk acceptable
      const cleared = await serverError(
        sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ clear: true }) }),
      );
      expect(cleared).toMatchObject({ status: 400, code: 'invalid_argument' });
      expect(cleared.message).toMatch(/^for security/);
      u = await sip.updateSipInboundTrunkFields(t.sipTrunkId, {
        numbers: new ListUpdate({ clear: true }),
        authUsername: 'u',
        authPassword: 'p',
      });
      expect(u.numbers).toEqual([]);
      const missing = await serverError(sip.updateSipInboundTrunkFields('ST_doesnotexist1', { name: 'x' }));
      expect(missing).toMatchObject({ status: 404, code: 'not_found', message: 'requested sip trunk does not exist' });
    });

    it('re-runs the conflict check on update and supports replace', async () => {
      const a = await sip.createSipInboundTrunk('a', ['+15550100']);
      const b = await sip.createSipInboundTrunk('b', ['+15550101']);
      const e = await serverError(
        sip.updateSipInboundTrunkFields(b.sipTrunkId, { numbers: new ListUpdate({ add: ['+1 555 0100'] }) }),
      );
      expect(e.message).toMatch(/^Conflicting inbound SIP Trunks: /);
      expect(e.message).toContain(a.sipTrunkId);
      expect(e.message).toContain(b.sipTrunkId);
      const r = await sip.updateSipInboundTrunk(
        b.sipTrunkId,
        new SIPInboundTrunkInfo({ name: 'b2', numbers: ['+15550109'] }),
      );
      expect(r).toMatchObject({ sipTrunkId: b.sipTrunkId, name: 'b2', numbers: ['+15550109'] });
      const wrongId = await serverError(
        sip.updateSipInboundTrunk(b.sipTrunkId, new SIPInboundTrunkInfo({ sipTrunkId: a.sipTrunkId, numbers: ['+1'] })),
      );
      expect(wrongId.message).toBe('trunk id in the info must be empty or match the id in the update');
    });

    it('lists sorted by ID and filters by number (normalized, wildcards included) and ID', async () => {
      const a = await sip.createSipInboundTrunk('a', ['+15550100']);
      const b = await sip.createSipInboundTrunk('b', ['+15550101']);
      const w = await sip.createSipInboundTrunk('w', [], { authUsername: 'u', authPassword: 'p' });
      const all = await sip.listSipInboundTrunk();
      expect(all.map((t) => t.sipTrunkId)).toEqual([a, b, w].map((t) => t.sipTrunkId).sort());
      expect(lk.inboundTrunks().map((t) => t.sipTrunkId)).toEqual(all.map((t) => t.sipTrunkId));
      const byNumber = await sip.listSipInboundTrunk({ numbers: ['+1 555 0100'] });
      expect(byNumber.map((t) => t.name).sort()).toEqual(['a', 'w']);
      const byId = await sip.listSipInboundTrunk({ trunkIds: [b.sipTrunkId, 'ST_missing'] });
      expect(byId.map((t) => t.name)).toEqual(['b']);
    });

    it('deletes unknown trunk IDs successfully (OSS behaviour) but requires an ID', async () => {
      const t = await sip.createSipInboundTrunk('t', ['+15550100']);
      await expect(sip.deleteSipTrunk(t.sipTrunkId)).resolves.toMatchObject({ sipTrunkId: t.sipTrunkId });
      expect(lk.inboundTrunks()).toEqual([]);
      await expect(sip.deleteSipTrunk('ST_unknown12345')).resolves.toMatchObject({ sipTrunkId: 'ST_unknown12345' });
      expect(await serverError(sip.deleteSipTrunk(''))).toMatchObject({ status: 400, message: 'trunk ID is required' });
    });

    // protocol livekit/sip.go updateMediaConfig + SIPMediaConfig.UpgradeWith
    it('upgrades media_encryption into media.encryption on a field update, which then wins over later media_encryption-only updates', async () => {
      const t = await sip.createSipInboundTrunk('enc', ['+15550111'], {
        mediaEncryption: SIPMediaEncryption.SIP_MEDIA_ENCRYPT_REQUIRE,
      });
      const renamed = await sip.updateSipInboundTrunkFields(t.sipTrunkId, { name: 'enc2' });
      expect(renamed.media?.encryption).toBe(SIPMediaEncryption.SIP_MEDIA_ENCRYPT_REQUIRE);
      const noop = await sip.updateSipInboundTrunkFields(t.sipTrunkId, {
        mediaEncryption: SIPMediaEncryption.SIP_MEDIA_ENCRYPT_DISABLE,
      });
      expect(noop.mediaEncryption).toBe(SIPMediaEncryption.SIP_MEDIA_ENCRYPT_REQUIRE);
      const done = await sip.updateSipInboundTrunkFields(t.sipTrunkId, {
        media: new SIPMediaConfig({ encryption: SIPMediaEncryption.SIP_MEDIA_ENCRYPT_DISABLE }),
      });
      expect(done.mediaEncryption).toBe(SIPMediaEncryption.SIP_MEDIA_ENCRYPT_DISABLE);
      expect(done.media?.encryption).toBe(SIPMediaEncryption.SIP_MEDIA_ENCRYPT_DISABLE);
    });
  });

  describe('outbound trunks', () => {
    it('requires numbers and a plain host address', async () => {
      expect((await serverError(sip.createSipOutboundTrunk('o', 'sip.example.com', [], UDP))).message).toBe(
        'no trunk numbers specified',
      );
      expect((await serverError(sip.createSipOutboundTrunk('o', '', ['+15550100'], UDP))).message).toBe(
        'no outbound address specified',
      );
      for (const addr of ['sip:acme.pstn.sinch.com', 'sips:acme.pstn.sinch.com', 'user@acme.pstn.sinch.com']) {
        const e = await serverError(sip.createSipOutboundTrunk('o', addr, ['+15550100'], UDP));
        expect(e).toMatchObject({
          status: 400,
          code: 'invalid_argument',
          message: 'trunk address should be a hostname or IP, not SIP URI',
        });
      }
      const tp = await serverError(
        sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com;transport=tcp', ['+15550100'], UDP),
      );
      expect(tp.message).toBe('trunk address should not contain transport parameter');
    });

    it('creates, echoes and updates; removing the last number fails re-validation', async () => {
      const ok = await sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com:5060', ['+15550100'], {
        transport: SIPTransport.SIP_TRANSPORT_TCP,
        authUsername: 'u',
        authPassword: 'p',
        destinationCountry: 'US',
        metadata: 'meta',
      });
      expect(ok).toMatchObject({
        address: 'acme.pstn.sinch.com:5060',
        transport: SIPTransport.SIP_TRANSPORT_TCP,
        destinationCountry: 'US',
        metadata: 'meta',
      });
      // no conflict check for outbound trunks
      await expect(sip.createSipOutboundTrunk('o2', 'acme.pstn.sinch.com', ['+15550100'], UDP)).resolves.toBeDefined();
      const u = await sip.updateSipOutboundTrunkFields(ok.sipTrunkId, {
        numbers: new ListUpdate({ add: ['+15550101'] }),
        destinationCountry: 'GB',
      });
      expect(u).toMatchObject({ numbers: ['+15550100', '+15550101'], destinationCountry: 'GB' });
      const e = await serverError(
        sip.updateSipOutboundTrunkFields(ok.sipTrunkId, { numbers: new ListUpdate({ clear: true }) }),
      );
      // re-validation after applying returns a plain Go error: Twirp `unknown` (HTTP 500)
      expect(e).toMatchObject({ message: 'no trunk numbers specified', code: 'unknown', status: 500 });
      expect(lk.outboundTrunks().find((t) => t.sipTrunkId === ok.sipTrunkId)!.numbers).toEqual([
        '+15550100',
        '+15550101',
      ]);
      const listed = await sip.listSipOutboundTrunk({ numbers: ['+15550101'] });
      expect(listed.map((t) => t.sipTrunkId)).toEqual([ok.sipTrunkId]);
    });
  });

  describe('dispatch rules', () => {
    // livekit/livekit pkg/service/sip.go UpdateSIPDispatchRule: ListSIPDispatchRule(TrunkIds: new trunk IDs)
    // + sip.WithDispatchRuleReplace; protocol livekit/sip.go ListSIPDispatchRuleRequest.Filter.
    it('checks an update only against rules listed with the new trunk IDs: moving a rule onto a trunk is not checked', async () => {
      const a = await sip.createSipInboundTrunk('a', ['+15550101']);
      const b = await sip.createSipInboundTrunk('b', ['+15550102']);
      const onA = await sip.createSipDispatchRule({ type: 'direct', roomName: 'ra' }, { trunkIds: [a.sipTrunkId] });
      const onB = await sip.createSipDispatchRule({ type: 'direct', roomName: 'rb' }, { trunkIds: [b.sipTrunkId] });
      await sip.updateSipDispatchRuleFields(onB.sipDispatchRuleId, {
        trunkIds: new ListUpdate({ set: [a.sipTrunkId] }),
      });
      expect(lk.dispatchRules().filter((r) => r.trunkIds.includes(a.sipTrunkId))).toHaveLength(2);
      // Once both are stored on trunk a, any further update of either is checked and refused.
      const e = await serverError(sip.updateSipDispatchRuleFields(onA.sipDispatchRuleId, { name: 'renamed' }));
      expect(e).toMatchObject({
        status: 400,
        code: 'invalid_argument',
        message: expect.stringMatching(/already exists in dispatch rule/),
      });
    });

    it('accepts the SDK form (deprecated top-level fields) and echoes trunk IDs, room config and metadata', async () => {
      const t = await sip.createSipInboundTrunk('t', ['+15550100']);
      const r = await sip.createSipDispatchRule(
        { type: 'individual', roomPrefix: 'est-inbound-', pin: '' },
        {
          name: 'r',
          metadata: '{"k":1}',
          attributes: { a: 'b' },
          trunkIds: [t.sipTrunkId],
          hidePhoneNumber: false,
          roomConfig: new RoomConfiguration({
            agents: [new RoomAgentDispatch({ agentName: 'inbound-agent', metadata: 'x' })],
          }),
        },
      );
      expect(r.sipDispatchRuleId.slice(0, 4)).toBe('SDR_');
      expect(r.sipDispatchRuleId.slice(4)).toMatch(ID);
      expect(r).toMatchObject({ name: 'r', metadata: '{"k":1}', attributes: { a: 'b' }, trunkIds: [t.sipTrunkId] });
      expect(r.roomConfig?.agents.map((a) => [a.agentName, a.metadata])).toEqual([['inbound-agent', 'x']]);
      expect(r.rule?.rule.case).toBe('dispatchRuleIndividual');
      expect((await sip.listSipDispatchRule())[0]).toEqual(r);
    });

    it('accepts the lk form (dispatch_rule) too', async () => {
      const at = new AccessToken(lk.apiKey, lk.apiSecret);
      at.addSIPGrant({ admin: true });
      const res = await fetch(`${lk.url}/twirp/livekit.SIP/CreateSIPDispatchRule`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await at.toJwt()}` },
        body: JSON.stringify({
          dispatch_rule: { name: 'cli', trunk_ids: ['ST_a'], rule: { dispatch_rule_direct: { room_name: 'lobby' } } },
        }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        name: 'cli',
        trunk_ids: ['ST_a'],
        rule: { dispatch_rule_direct: { room_name: 'lobby', pin: '' } },
      });
      const dup = await serverError(
        sip.createSipDispatchRule({ type: 'direct', roomName: 'x' }, { trunkIds: ['ST_a'] }),
      );
      expect(dup.message).toMatch(/already exists in dispatch rule "SDR_\w+" "cli"$/);
    });

    it('conflicts on (pin, trunk, numbers): two wildcard rules, [ST_a] vs [ST_a,ST_b]; [ST_a] next to a wildcard is fine', async () => {
      const first = await sip.createSipDispatchRule({ type: 'direct', roomName: 'a' });
      const e = await serverError(sip.createSipDispatchRule({ type: 'individual', roomPrefix: 'b' }));
      expect(e).toMatchObject({ status: 400, code: 'invalid_argument' });
      expect(e.message).toBe(
        `Dispatch rule for the same trunk, inbound number, number, and PIN combination already exists in dispatch rule "${first.sipDispatchRuleId}" "<blank name>"`,
      );
      await sip.createSipDispatchRule({ type: 'direct', roomName: 'c' }, { trunkIds: ['ST_a'], name: 'only-a' });
      const e2 = await serverError(
        sip.createSipDispatchRule({ type: 'direct', roomName: 'd' }, { trunkIds: ['ST_a', 'ST_b'] }),
      );
      expect(e2.message).toMatch(/"only-a"$/);
      // different PIN or caller numbers are different keys
      await sip.createSipDispatchRule({ type: 'direct', roomName: 'e', pin: '1234' });
      // the rejected [ST_a, ST_b] left nothing behind, so ST_b alone is free
      await sip.createSipDispatchRule({ type: 'direct', roomName: 'g' }, { trunkIds: ['ST_b'] });
      expect(lk.dispatchRules()).toHaveLength(4);
    });

    it('updates fields (ListUpdate, attribute map diff) and replaces, re-checking conflicts', async () => {
      const r = await sip.createSipDispatchRule(
        { type: 'direct', roomName: 'a' },
        { attributes: { a: '1', b: '2' }, trunkIds: ['ST_a'] },
      );
      const u = await sip.updateSipDispatchRuleFields(r.sipDispatchRuleId, {
        trunkIds: new ListUpdate({ set: ['ST_x'] }),
        attributes: { a: '', c: '3' },
        name: 'n2',
      });
      expect(u).toMatchObject({ trunkIds: ['ST_x'], attributes: { b: '2', c: '3' }, name: 'n2' });
      const other = await sip.createSipDispatchRule({ type: 'direct', roomName: 'o' }, { trunkIds: ['ST_y'] });
      const e = await serverError(
        sip.updateSipDispatchRuleFields(other.sipDispatchRuleId, { trunkIds: new ListUpdate({ add: ['ST_x'] }) }),
      );
      expect(e.message).toMatch(/^Dispatch rule for the same trunk/);
      const replaced = await sip.updateSipDispatchRule(
        r.sipDispatchRuleId,
        new SIPDispatchRuleInfo({
          name: 'n3',
          trunkIds: ['ST_z'],
          rule: { rule: { case: 'dispatchRuleCallee', value: { roomPrefix: 'c-', randomize: true } } } as never,
        }),
      );
      expect(replaced).toMatchObject({
        sipDispatchRuleId: r.sipDispatchRuleId,
        name: 'n3',
        trunkIds: ['ST_z'],
        attributes: {},
      });
      expect(replaced.rule?.rule.case).toBe('dispatchRuleCallee');
      expect((await serverError(sip.updateSipDispatchRuleFields('SDR_missing', { name: 'x' }))).code).toBe('not_found');
    });

    it('404s an unknown rule on delete and returns the deleted rule; deleting a trunk does not cascade', async () => {
      const t = await sip.createSipInboundTrunk('t', ['+15550100']);
      const r = await sip.createSipDispatchRule(
        { type: 'direct', roomName: 'a' },
        { name: 'n', trunkIds: [t.sipTrunkId] },
      );
      const e = await serverError(sip.deleteSipDispatchRule('SDR_missing'));
      expect(e).toMatchObject({
        status: 404,
        code: 'not_found',
        message: 'requested sip dispatch rule does not exist',
      });
      expect((await serverError(sip.deleteSipDispatchRule(''))).message).toBe('dispatch rule ID is required');
      await sip.deleteSipTrunk(t.sipTrunkId);
      expect((await sip.listSipDispatchRule({ trunkIds: [t.sipTrunkId] })).map((x) => x.name)).toEqual(['n']);
      const deleted = await sip.deleteSipDispatchRule(r.sipDispatchRuleId);
      expect(deleted).toMatchObject({ sipDispatchRuleId: r.sipDispatchRuleId, name: 'n' });
      expect(await sip.listSipDispatchRule()).toEqual([]);
    });

    it('lists sorted by ID, with trunk filters including wildcard rules', async () => {
      const ids: string[] = [];
      for (const [i, trunkIds] of [['ST_a'], ['ST_b'], []].entries()) {
        ids.push(
          (await sip.createSipDispatchRule({ type: 'direct', roomName: `r${i}` }, { trunkIds })).sipDispatchRuleId,
        );
      }
      expect((await sip.listSipDispatchRule()).map((r) => r.sipDispatchRuleId)).toEqual([...ids].sort());
      expect((await sip.listSipDispatchRule({ trunkIds: ['ST_a'] })).map((r) => r.sipDispatchRuleId).sort()).toEqual(
        [ids[0], ids[2]].sort(),
      );
      expect((await sip.listSipDispatchRule({ dispatchRuleIds: [ids[1]!] })).map((r) => r.sipDispatchRuleId)).toEqual([
        ids[1],
      ]);
    });
  });
});
