import type { Config } from '../../../../src/config';
import type { Binding } from '../../../../src/domain/binding';
import type { ModalMeta } from '../../../../src/features/sip-setup/binding-modal';
import { crossChecks } from '../../../../src/features/sip-setup/cross-checks';
import type { LiveKitGateway } from '../../../../src/livekit/gateway';
import type { Repos } from '../../../../src/store';
import { trunk } from '../../../support/builders';
import { bindingSpec } from '../../../support/fixtures';
import { binding, fakeBindings, fakeLiveKit, UNREACHABLE } from './fakes';

const create: ModalMeta = { mode: 'create', channel: 'COPS0001' };
const spec = bindingSpec({ name: 'acme-us', dids: ['+14155550100', '+14155550101'] });

function check(opts: {
  bindings?: Binding[];
  livekit?: LiveKitGateway;
  meta?: ModalMeta;
  existing?: Binding;
  conflictCheckMs?: number;
  secretsKey?: boolean;
  digest?: boolean;
}) {
  const ctx = {
    repos: fakeBindings(opts.bindings ?? []) as Repos,
    livekit: opts.livekit ?? fakeLiveKit().gateway,
    conflictCheckMs: opts.conflictCheckMs ?? 1000,
    config: (opts.secretsKey === false ? {} : { secretsKey: Buffer.alloc(32, 1) }) as unknown as Config,
  };
  const s = opts.digest ? { ...spec, auth: { kind: 'digest' as const, username: 'u', password: 'p' } } : spec;
  return crossChecks(ctx, s, opts.meta ?? create, opts.existing);
}

describe('crossChecks', () => {
  it('a new binding whose DIDs are free passes', async () => {
    expect(
      await check({ livekit: fakeLiveKit({ inbound: [trunk('ST_x', { numbers: ['+14155550999'] })] }).gateway }),
    ).toEqual({});
  });

  it('create over an existing name, edit of a deleted or changed binding', async () => {
    const existing = binding(spec, { version: 3, updatedBy: 'UOTHER01' });
    expect(await check({ existing })).toEqual({ name: expect.stringMatching(/exists already/) });
    expect(await check({ meta: { mode: 'edit', name: 'acme-us', version: 3, channel: 'C1' } })).toEqual({
      trunkDomain: expect.stringMatching(/was deleted/),
    });
    expect(await check({ meta: { mode: 'edit', name: 'acme-us', version: 2, channel: 'C1' }, existing })).toEqual({
      trunkDomain: expect.stringMatching(/changed by UOTHER01/),
    });
  });

  it('a digest binding without SECRETS_KEY is refused before LiveKit is asked; ACL needs no key', async () => {
    const { gateway, state } = fakeLiveKit();
    expect(await check({ livekit: gateway, secretsKey: false, digest: true })).toEqual({
      digestPassword: expect.stringMatching(/SECRETS_KEY is not set/),
    });
    expect(state.asked).toEqual([]);
    expect(await check({ livekit: gateway, secretsKey: false })).toEqual({});
    expect(await check({ livekit: gateway, digest: true })).toEqual({});
  });

  it('DIDs another binding owns are named with their owner, before LiveKit is asked', async () => {
    const other = binding(bindingSpec({ name: 'acme-eu', dids: ['+14155550101'] }));
    const { gateway, state } = fakeLiveKit();
    expect(await check({ bindings: [other], livekit: gateway })).toEqual({
      dids: '+14155550101 belongs to binding acme-eu. A DID can be in one binding only.',
    });
    expect(state.asked).toEqual([]);
  });

  it('LiveKit’s own rule: a DID on another inbound trunk is refused; the binding’s own trunk is not a conflict', async () => {
    const { gateway } = fakeLiveKit({
      inbound: [
        trunk('ST_mine', { numbers: ['+14155550100'] }),
        trunk('ST_lk', { name: 'made-with-lk', numbers: ['+14155550101'] }),
      ],
    });
    const existing = binding(spec, { resources: { inboundTrunkId: 'ST_mine' } });
    const errors = await check({
      livekit: gateway,
      meta: { mode: 'edit', name: 'acme-us', version: 1, channel: 'C1' },
      existing,
    });
    expect(errors).toEqual({
      dids: expect.stringMatching(/^LiveKit would refuse these DIDs: \+14155550101 on trunk ST_lk \(made-with-lk\)\./),
    });
  });

  it('LiveKit down or slow: nothing is changed and the form says so', async () => {
    expect(await check({ livekit: fakeLiveKit({ inbound: UNREACHABLE }).gateway })).toEqual({
      dids: expect.stringMatching(/^Could not check these DIDs against LiveKit/),
    });
    const hanging = { listInboundTrunks: () => new Promise(() => undefined) } as unknown as LiveKitGateway;
    expect(await check({ livekit: hanging, conflictCheckMs: 5 })).toEqual({
      dids: expect.stringMatching(/LiveKit did not answer in time/),
    });
  });
});
