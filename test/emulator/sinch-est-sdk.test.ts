/**
 * The Sinch emulator driven by Sinch's own Node SDK (@sinch/sdk-core 1.4.0), as the LiveKit emulator is driven by
 * livekit-server-sdk: if the emulator's wire format drifted from what the SDK sends and parses, these fail.
 */
import { SinchClient } from '@sinch/sdk-core';
import { SinchEmulator } from '../support/sinch-emulator';

let emu: SinchEmulator;
let sinch: SinchClient;

beforeEach(async () => {
  jest.spyOn(console, 'debug').mockImplementation(() => undefined); // the SDK logs every failed request at debug
  emu = await new SinchEmulator({ keySecret: 'sdk-secret-value' }).start();
  sinch = new SinchClient({
    projectId: emu.projectId,
    keyId: emu.keyId,
    keySecret: emu.keySecret,
    authHostname: emu.authUrl,
    elasticSipTrunkingHostname: emu.estUrl,
    numbersHostname: emu.numbersUrl,
  });
});
afterEach(async () => {
  jest.restoreAllMocks();
  await emu.stop();
});

describe('Sinch emulator × official SDK', () => {
  it('OAuth2: the SDK gets one token and reuses it', async () => {
    await sinch.elasticSipTrunking.sipTrunks.list({});
    await sinch.elasticSipTrunking.accessControlList.list({});
    expect(emu.tokens.issued).toBe(1);
    expect(emu.requests[0]).toBe('POST /oauth2/token');
  });

  it('trunks: create, get, iterate pages, update, delete', async () => {
    const est = sinch.elasticSipTrunking;
    const t = await est.sipTrunks.create({
      createSipTrunkRequestBody: { name: 'Friendly name', hostName: 'e2e-sip-trunk-domain' },
    });
    expect(t).toMatchObject({
      hostName: 'e2e-sip-trunk-domain',
      domain: 'e2e-sip-trunk-domain.pstn.sinch.com',
      topLevelDomain: 'pstn.sinch.com',
    });
    expect(t.createTime).toBeInstanceOf(Date);
    for (let i = 0; i < 3; i++)
      await est.sipTrunks.create({ createSipTrunkRequestBody: { name: `n${i}`, hostName: `h-${i}` } });
    const seen: string[] = [];
    for await (const x of est.sipTrunks.list({ size: 2 })) seen.push(x.hostName!);
    expect(seen).toEqual(['e2e-sip-trunk-domain', 'h-0', 'h-1', 'h-2']);
    const got = await est.sipTrunks.get({ sipTrunkId: t.id! });
    expect(got.id).toBe(t.id);
    const u = await est.sipTrunks.update({
      sipTrunkId: t.id!,
      updateSipTrunkRequestBody: { name: 'Updated', hostName: 'e2e-sip-trunk-domain', enableCallerName: true },
    });
    expect(u).toMatchObject({ name: 'Updated', enableCallerName: true });
    await est.sipTrunks.delete({ sipTrunkId: t.id! });
    await expect(est.sipTrunks.get({ sipTrunkId: t.id! })).rejects.toMatchObject({ statusCode: 404 });
  });

  it('endpoints: the SDK receives one endpoint object from create', async () => {
    const est = sinch.elasticSipTrunking;
    const t = await est.sipTrunks.create({ createSipTrunkRequestBody: { name: 't', hostName: 't' } });
    const e = await est.sipEndpoints.create({
      sipTrunkId: t.id!,
      createSipEndpointRequestBody: { name: 'lk', address: '203.0.113.10', port: 5061, transport: 'TLS', priority: 1 },
    });
    expect(e).toMatchObject({ sipTrunkId: t.id, address: '203.0.113.10', port: 5061, transport: 'TLS', enabled: true });
    const page = await est.sipEndpoints.list({ sipTrunkId: t.id! });
    expect(page.data.map((x) => x.id)).toEqual([e.id]);
  });

  it('ACLs, IP ranges and the trunk link (append)', async () => {
    const est = sinch.elasticSipTrunking;
    const t = await est.sipTrunks.create({ createSipTrunkRequestBody: { name: 't', hostName: 't' } });
    const acl = await est.accessControlList.create({
      createAccessControlListBody: { name: 'lk', enabled: true, ipRanges: [{ ipAddress: '203.0.113.10', range: 32 }] },
    });
    const added = await est.sipTrunks.addAccessControlList({
      trunkId: t.id!,
      addAccessControlListToTrunkRequestBody: { accessControlListIds: [acl.id!] },
    });
    expect(added.accessControlListIds).toEqual([acl.id]);
    const ids = await est.sipTrunks.listAccessControlLists({ trunkId: t.id! });
    expect(ids.data).toEqual([acl.id]);
    const range = await est.accessControlList.addIpRange({
      accessControlListId: acl.id!,
      addIpRangeRequestBody: { ipAddress: '203.0.113.11' },
    });
    expect(range).toMatchObject({ ipAddress: '203.0.113.11', range: 32 });
    await est.sipTrunks.deleteAccessControlList({ trunkId: t.id!, accessControlListId: acl.id! });
    expect((await est.sipTrunks.listAccessControlLists({ trunkId: t.id! })).data).toEqual([]);
  });

  it('credential lists: create hides the password; the trunk PUT replaces the set', async () => {
    const est = sinch.elasticSipTrunking;
    const t = await est.sipTrunks.create({ createSipTrunkRequestBody: { name: 't', hostName: 't' } });
    const a = await est.credentialLists.create({
      createCredentialListRequestBody: { name: 'a', credentials: [{ username: 'lk01', password: 'Str0ngPassword1' }] },
    });
    const b = await est.credentialLists.create({ createCredentialListRequestBody: { name: 'b', credentials: [] } });
    expect(a.credentials).toEqual([expect.objectContaining({ username: 'lk01' })]);
    expect(JSON.stringify(a)).not.toContain('Str0ngPassword1');
    await est.sipTrunks.addCredentialLists({
      trunkId: t.id!,
      addCredentialListIdsToTrunkRequestBody: { credentialListIds: [a.id!] },
    });
    await est.sipTrunks.updateCredentialLists({
      trunkId: t.id!,
      updateCredentialListIdsForTrunkRequestBody: { credentialListIds: [b.id!] },
    });
    const linked = await est.sipTrunks.listCredentialLists({ trunkId: t.id! });
    expect(linked.data.map((l) => l.id)).toEqual([b.id]);
  });

  it('Numbers API: update schedules EST provisioning (WAITING), get shows it done after the delay', async () => {
    emu.provisioningDelayMs = 60_000;
    const t = await sinch.elasticSipTrunking.sipTrunks.create({
      createSipTrunkRequestBody: { name: 't', hostName: 't' },
    });
    emu.addOwnedNumber('+15551230001');
    const r = await sinch.numbers.update({
      phoneNumber: '+15551230001',
      updateActiveNumberRequestBody: { voiceConfiguration: { type: 'EST', trunkId: t.id! } },
    });
    expect(r.voiceConfiguration?.scheduledVoiceProvisioning).toMatchObject({
      type: 'EST',
      trunkId: t.id,
      status: 'WAITING',
    });
    emu.provisioningDelayMs = 0;
    const n = await sinch.numbers.get({ phoneNumber: '+15551230001' });
    expect(n.voiceConfiguration).toMatchObject({ type: 'EST', trunkId: t.id, scheduledVoiceProvisioning: null });
  });

  it('calls: filters and paging through the SDK iterator; country permissions', async () => {
    for (let i = 0; i < 3; i++) {
      emu.addCall({
        from: '+15550000001',
        to: `+1201777000${i}`,
        direction: 'inbound',
        callResult: 'COMPLETED',
        createTime: `2026-11-0${i + 1}T10:00:00Z`,
        durationSeconds: 4,
        trunkId: 'T1',
      });
    }
    const seen: string[] = [];
    for await (const c of sinch.elasticSipTrunking.calls.find({ trunkId: 'T1', size: 2 })) seen.push(c.to!);
    expect(seen).toEqual(['+12017770000', '+12017770001', '+12017770002']);
    const day = await sinch.elasticSipTrunking.calls.find({ createTime: '2026-11-02' });
    expect(day.data.map((c) => c.to)).toEqual(['+12017770001']);
    const perms = await sinch.elasticSipTrunking.countryPermissions.list({});
    expect(perms.countryPermissions?.find((c) => c.isoCode === 'US')?.enabled).toBe(true);
  });

  it('injected faults reach the SDK as RequestFailedError with the status', async () => {
    emu.failNext('GET /trunks', { status: 403 });
    await expect(sinch.elasticSipTrunking.sipTrunks.list({})).rejects.toMatchObject({ statusCode: 403 });
  });
});
