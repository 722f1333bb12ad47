import type { Binding, BindingSpec } from '../../../../src/domain/binding';
import type { LiveKitFailure, LiveKitResult } from '../../../../src/domain/livekit-failure';
import type { DispatchRule, InboundTrunk, OutboundTrunk } from '../../../../src/domain/livekit-model';
import type { LiveKitGateway } from '../../../../src/livekit/gateway';
import type { Repos } from '../../../../src/store';
import { storedBinding } from '../../../support/binding-builder';

export const UNREACHABLE: LiveKitFailure = { kind: 'unreachable', message: 'connect ECONNREFUSED' };

export function outbound(id: string, over: Partial<OutboundTrunk> = {}): OutboundTrunk {
  return {
    id,
    name: id.toLowerCase(),
    metadata: '',
    address: 'acme.pstn.sinch.com',
    transport: 'udp',
    numbers: ['+14155550100'],
    authUsername: '',
    hasAuthPassword: false,
    mediaEncryption: 'disable',
    destinationCountry: '',
    ...over,
  };
}

export interface FakeLiveKit {
  inbound: InboundTrunk[] | LiveKitFailure;
  rules: DispatchRule[] | LiveKitFailure;
  outbound: OutboundTrunk[] | LiveKitFailure;
  /** The IDs each list call asked for. */
  asked: Array<[string, string[] | undefined]>;
}

function answer<T extends { id: string }>(held: T[] | LiveKitFailure, ids: string[] | undefined): LiveKitResult<T[]> {
  if (!Array.isArray(held)) return { ok: false, failure: held };
  return { ok: true, value: ids ? held.filter((t) => ids.includes(t.id)) : held };
}

/** The three list calls of the gateway over fixed resources; any other call fails the test. */
export function fakeLiveKit(state: Partial<Omit<FakeLiveKit, 'asked'>> = {}): {
  gateway: LiveKitGateway;
  state: FakeLiveKit;
} {
  const s: FakeLiveKit = { inbound: [], rules: [], outbound: [], asked: [], ...state };
  const lists = {
    listInboundTrunks: async (ids?: string[]) => (s.asked.push(['inbound', ids]), answer(s.inbound, ids)),
    listDispatchRules: async (ids?: string[]) => (s.asked.push(['rules', ids]), answer(s.rules, ids)),
    listOutboundTrunks: async (ids?: string[]) => (s.asked.push(['outbound', ids]), answer(s.outbound, ids)),
  };
  const gateway = new Proxy(lists, {
    get: (t, p) =>
      p in t ? t[p as keyof typeof t] : () => Promise.reject(new Error(`unexpected LiveKit call ${String(p)}`)),
  }) as unknown as LiveKitGateway;
  return { gateway, state: s };
}

export function binding(spec: BindingSpec, over: Partial<Binding> = {}): Binding {
  return storedBinding(spec, {
    createdBy: 'UADMIN01',
    createdAt: '2026-01-01T00:00:00Z',
    updatedBy: 'UADMIN01',
    updatedAt: '2026-01-01T00:00:00Z',
    ...over,
  });
}

/** Bindings held in memory: just `list` and `get`. */
export function fakeBindings(all: Binding[]): Pick<Repos, 'bindings'> {
  return {
    bindings: {
      list: async () => all,
      get: async (name: string) => all.find((b) => b.name === name),
    } as unknown as Repos['bindings'],
  };
}
