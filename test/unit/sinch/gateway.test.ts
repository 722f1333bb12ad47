import { numberAssignment } from '../../../src/sinch/gateway';
import { startPair, type Pair } from './harness';

let pair: Pair;
beforeEach(async () => {
  pair = await startPair({ pageSize: 2 }, { provisioningDelayMs: 30_000 });
});
afterEach(async () => {
  await pair.emu.stop();
});

describe('SinchGateway against the emulator', () => {
  it('trunks: create, find by domain across pages, full-replacement update, delete', async () => {
    const gw = pair.client.gateway;
    for (const h of ['a-1', 'a-2', 'a-3', 'acme-lk']) await gw.createTrunk({ name: h, hostName: h });
    expect((await gw.listTrunks()).map((t) => t.hostName)).toEqual(['a-1', 'a-2', 'a-3', 'acme-lk']); // 2 pages of 2
    const [t] = await gw.listTrunks({ domain: 'acme-lk.pstn.sinch.com' });
    expect(t).toMatchObject({ hostName: 'acme-lk', domain: 'acme-lk.pstn.sinch.com', callsPerSecond: 1 });
    const u = await gw.updateTrunk(t!.id, { name: 'renamed', hostName: 'acme-lk' });
    expect(u).toMatchObject({ name: 'renamed', enableCallForward: null });
    await gw.deleteTrunk(t!.id);
    await expect(gw.getTrunk(t!.id)).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('endpoints: static endpoint defaults and updates', async () => {
    const gw = pair.client.gateway;
    const t = await gw.createTrunk({ name: 't', hostName: 't' });
    const e = await gw.createEndpoint(t.id, { name: 'livekit', address: '203.0.113.10', priority: 1 });
    expect(e).toMatchObject({ sipTrunkId: t.id, port: 5060, transport: 'UDP', enabled: true });
    await gw.updateEndpoint(t.id, e.id, {
      name: 'livekit',
      address: '203.0.113.10',
      port: 5061,
      transport: 'TLS',
      priority: 1,
      enabled: false,
    });
    expect(await gw.listEndpoints(t.id)).toEqual([
      expect.objectContaining({ port: 5061, transport: 'TLS', enabled: false }),
    ]);
    await gw.deleteEndpoint(t.id, e.id);
    expect(await gw.listEndpoints(t.id)).toEqual([]);
  });

  it('ACL link: POST appends, DELETE removes one; IP ranges carry an integer prefix', async () => {
    const gw = pair.client.gateway;
    const t = await gw.createTrunk({ name: 't', hostName: 't' });
    const a1 = await gw.createAcl({ name: 'lk', enabled: true, ipRanges: [{ ipAddress: '203.0.113.10' }] });
    const a2 = await gw.createAcl({
      name: 'other',
      enabled: true,
      ipRanges: [{ ipAddress: '198.51.100.0', range: 24 }],
    });
    expect(a1.ipRanges).toEqual([expect.objectContaining({ ipAddress: '203.0.113.10', range: 32 })]);
    await gw.addTrunkAcls(t.id, [a1.id]);
    await gw.addTrunkAcls(t.id, [a2.id]);
    expect(await gw.listTrunkAclIds(t.id)).toEqual([a1.id, a2.id]);
    await gw.removeTrunkAcl(t.id, a2.id);
    expect(await gw.listTrunkAclIds(t.id)).toEqual([a1.id]);
    const r = await gw.addIpRange(a1.id, { ipAddress: '203.0.113.11', range: 32, description: 'lk-2' });
    expect((await gw.listIpRanges(a1.id)).map((x) => x.ipAddress)).toEqual(['203.0.113.10', '203.0.113.11']);
    await gw.deleteIpRange(a1.id, r.id!);
    expect((await gw.getAcl(a1.id)).trunks).toEqual([t.id]);
  });

  it('credential lists: passwords never come back; POST link appends, PUT replaces the set', async () => {
    const gw = pair.client.gateway;
    const t = await gw.createTrunk({ name: 't', hostName: 't' });
    const c1 = await gw.createCredentialList({
      name: 'lk',
      credentials: [{ username: 'lk01', password: 'Str0ngPassword1' }],
    });
    const c2 = await gw.createCredentialList({ name: 'old', credentials: [] });
    expect(JSON.stringify(c1)).not.toContain('Str0ngPassword1');
    await gw.addTrunkCredentialLists(t.id, [c2.id]);
    await gw.addTrunkCredentialLists(t.id, [c1.id]);
    expect(await gw.listTrunkCredentialListIds(t.id)).toEqual([c2.id, c1.id]);
    await gw.replaceTrunkCredentialLists(t.id, [c1.id]);
    expect(await gw.listTrunkCredentialListIds(t.id)).toEqual([c1.id]);
    await expect(gw.setCredentialPassword(c1.id, 'lk01', 'weak')).rejects.toMatchObject({ kind: 'invalid-request' });
    await gw.setCredentialPassword(c1.id, 'lk01', 'An0therStrongOne');
    await expect(gw.deleteCredentialList(c1.id)).rejects.toMatchObject({ kind: 'invalid-request' }); // still linked
    await gw.removeTrunkCredentialList(t.id, c1.id);
    await gw.deleteCredentialList(c1.id);
  });

  it('number assignment is asynchronous: pending until the provisioning delay, then EST shows the trunk', async () => {
    const gw = pair.client.gateway;
    const t = await gw.createTrunk({ name: 't', hostName: 't' });
    pair.emu.addOwnedNumber('+15551230001');
    const scheduled = await gw.assignNumber('+15551230001', t.id);
    expect(numberAssignment(scheduled)).toEqual({ state: 'pending', trunkId: t.id, status: 'WAITING' });
    await expect(gw.getPhoneNumber('+15551230001')).rejects.toMatchObject({ kind: 'not-found' });
    pair.clock.t += 30_000;
    expect(numberAssignment(await gw.getActiveNumber('+15551230001'))).toEqual({ state: 'assigned', trunkId: t.id });
    expect(await gw.getPhoneNumber('+15551230001')).toMatchObject({ sipTrunkId: t.id, countryCode: 'US' });
    expect((await gw.listPhoneNumbers({ sipTrunkId: t.id })).map((n) => n.phoneNumber)).toEqual(['+15551230001']);
    await expect(gw.deleteTrunk(t.id)).rejects.toMatchObject({ kind: 'invalid-request' }); // numbers still assigned
  });

  it('a stuck number stays pending however long one waits; an unowned number is not found', async () => {
    const gw = pair.client.gateway;
    const t = await gw.createTrunk({ name: 't', hostName: 't' });
    pair.emu.addOwnedNumber('+15551230002', 'US', { stuck: true });
    await gw.assignNumber('+15551230002', t.id);
    pair.clock.t += 3_600_000;
    expect(numberAssignment(await gw.getActiveNumber('+15551230002'))).toMatchObject({ state: 'pending' });
    await expect(gw.assignNumber('+15559999999', t.id)).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('calls: filters by trunk, direction (any case), result and time window; pages with totals', async () => {
    const gw = pair.client.gateway;
    const base = Date.parse('2026-12-01T10:00:00Z');
    for (let i = 0; i < 5; i++) {
      pair.emu.addCall({
        from: '+15550000001',
        to: `+1201777000${i}`,
        direction: i % 2 ? 'inbound' : 'outbound',
        callResult: i === 4 ? 'FAILED' : 'COMPLETED',
        createTime: new Date(base + i * 60_000).toISOString(),
        durationSeconds: 4,
        trunkId: i < 4 ? 'T1' : 'T2',
      });
    }
    const p1 = await gw.findCalls({ trunkId: 'T1', size: 2 });
    expect(p1).toMatchObject({ totalItems: 4, pageNumber: 1, pageSize: 2 });
    expect(p1.calls).toHaveLength(2);
    const p2 = await gw.findCalls({ trunkId: 'T1', size: 2, page: 2 });
    expect(p2.calls.map((c) => c.to)).toEqual(['+12017770002', '+12017770003']);
    expect((await gw.findCalls({ direction: 'inbound' })).totalItems).toBe(2);
    expect((await gw.findCalls({ callResult: 'FAILED' })).calls.map((c) => c.trunkId)).toEqual(['T2']);
    const window = await gw.findCalls({
      createdFrom: new Date(base + 60_000).toISOString(),
      createdTo: new Date(base + 180_000).toISOString(),
    });
    expect(window.totalItems).toBe(3);
    expect((await gw.findCalls({ to: '+120177700' })).totalItems).toBe(5);
  });

  it('country permissions are read (list and one)', async () => {
    const gw = pair.client.gateway;
    const all = await gw.listCountryPermissions();
    expect(all.find((c) => c.isoCode === 'US')).toMatchObject({ enabled: true, countryDialingCodes: ['+1'] });
    expect(await gw.getCountryPermission('GB')).toMatchObject({ enabled: false });
  });
});
