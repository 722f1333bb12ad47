import type { BindingSpec } from '../../../src/domain/binding';
import { planProbes } from '../../../src/domain/probe-plan';

type Hosts = Pick<BindingSpec, 'trunkDomain' | 'livekitSipHost' | 'transport'>;
const b = (trunkDomain: string, livekitSipHost: string, transport: BindingSpec['transport'] = 'udp'): Hosts => ({
  trunkDomain,
  livekitSipHost,
  transport,
});

describe('planProbes', () => {
  it('trunk domain and SIP host the same: one lookup, one target', () => {
    const plan = planProbes([b('same.example.com', 'same.example.com')]);
    expect([...plan.hosts.keys()]).toEqual(['same.example.com']);
    expect(plan.optionsCount).toBe(1);
  });

  it('nothing to probe without bindings', () => {
    expect(planProbes([])).toEqual({ hosts: new Map(), optionsCount: 0 });
  });

  it('each host once, each OPTIONS target once, grouped under its host', () => {
    const plan = planProbes([
      b('acme.pstn.sinch.com', 'sip.example.com'),
      b('bravo.pstn.sinch.com', 'sip.example.com'),
      b('acme.pstn.sinch.com', 'sip.example.com'),
    ]);
    expect([...plan.hosts.keys()]).toEqual(['acme.pstn.sinch.com', 'sip.example.com', 'bravo.pstn.sinch.com']);
    // OPTIONS go to the EST trunk domain and to the LiveKit SIP host; the SIP host is shared by all three.
    expect(plan.hosts.get('sip.example.com')).toEqual([{ host: 'sip.example.com', transport: 'udp' }]);
    expect(plan.hosts.get('acme.pstn.sinch.com')).toEqual([{ host: 'acme.pstn.sinch.com', transport: 'udp' }]);
    expect(plan.hosts.get('bravo.pstn.sinch.com')).toEqual([{ host: 'bravo.pstn.sinch.com', transport: 'udp' }]);
    expect(plan.optionsCount).toBe(3);
  });

  it('the same host over two transports is two targets', () => {
    const plan = planProbes([
      b('acme.pstn.sinch.com', 'sip.example.com', 'udp'),
      b('acme.pstn.sinch.com', 'sip.example.com', 'tcp'),
    ]);
    expect(plan.optionsCount).toBe(4);
    expect(plan.hosts.get('sip.example.com')?.map((t) => t.transport)).toEqual(['udp', 'tcp']);
    expect(plan.hosts.get('acme.pstn.sinch.com')?.map((t) => t.transport)).toEqual(['udp', 'tcp']);
  });
});
