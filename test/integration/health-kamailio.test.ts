import type { DnsResolver, OptionsTarget } from '../../src/domain/probes';
import type { AppDeps } from '../../src/features/feature';
import { healthFeature, type HealthFeature } from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { OPS_CHANNEL, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { findKamailio, startKamailio, type KamailioInstance } from '../support/kamailio';
import { renderMessage } from '../support/slack-render';

const KAMAILIO = findKamailio();
const REQUIRE_KAMAILIO = process.env.REQUIRE_KAMAILIO === '1';

if (KAMAILIO === undefined && !REQUIRE_KAMAILIO) {
  console.warn(
    'kamailio not installed: skipping the health OPTIONS tests against kamailio (apt-get install -y kamailio; REQUIRE_KAMAILIO=1 makes this fail)',
  );
}

const describeKamailio = KAMAILIO !== undefined || REQUIRE_KAMAILIO ? describe : describe.skip;

/**
 * The real OPTIONS client (the feature's default prober) against kamailio on 127.0.0.1: binding
 * hosts `*.ok.test` map to a kamailio answering 200, `*.silent.test` to one that never answers.
 */
describeKamailio(`health OPTIONS checks against kamailio (${KAMAILIO ?? 'NOT INSTALLED'})`, () => {
  let ok: KamailioInstance | undefined;
  let silent: KamailioInstance | undefined;
  let h: Harness;
  let health: HealthFeature;

  beforeAll(async () => {
    if (KAMAILIO === undefined)
      throw new Error(
        'REQUIRE_KAMAILIO=1 but kamailio was not found in PATH or /usr/sbin (apt-get install -y kamailio)',
      );
    [ok, silent] = await Promise.all([startKamailio('200'), startKamailio('silent')]);
    const peers = { ok: ok, silent: silent };
    const resolver: DnsResolver = async (host) =>
      host.endsWith('.test')
        ? { ok: true, addresses: ['127.0.0.1'] }
        : { ok: false, code: 'ENOTFOUND', message: `no such host ${host}` };
    const mapTarget = (t: OptionsTarget): OptionsTarget => {
      const peer = t.host.endsWith('.silent.test') ? peers.silent : peers.ok;
      return { host: '127.0.0.1', transport: t.transport, port: t.transport === 'udp' ? peer.udpPort : peer.tcpPort };
    };
    h = await startHarness({
      features: (deps: AppDeps) => [
        sipSetupFeature(deps),
        (health = healthFeature(deps, { resolver, mapTarget, probeTimeoutMs: 1000, threadPaceMs: 0, schedule: false })),
      ],
    });
    await seedBinding(h.deps, { name: 'kam-ok', trunkDomain: 'est.ok.test', livekitSipHost: 'sip.ok.test' });
    await seedBinding(h.deps, {
      name: 'kam-tcp',
      trunkDomain: 'est.ok.test',
      livekitSipHost: 'sip.ok.test',
      transport: 'tcp',
    });
    await seedBinding(h.deps, {
      name: 'kam-silent',
      trunkDomain: 'est.silent.test',
      livekitSipHost: 'sip.silent.test',
    });
  }, 30000);

  afterAll(async () => {
    await h?.stop();
    await Promise.all([ok?.stop(), silent?.stop()]);
  });

  it('a binding whose SIP peers answer passes the OPTIONS checks; a silent one fails them', async () => {
    const started = Date.now();
    const run = await health.runScheduled();
    // The silent peer is cut off by the probe bound, far below SIP's own transaction timeout (Timer F, 32 s).
    expect(Date.now() - started).toBeLessThan(20_000);
    const by = new Map(run.report.bindings.map((b) => [b.name, b]));
    const finding = (binding: string, check: string) => by.get(binding)?.findings.find((f) => f.check === check);

    for (const name of ['kam-ok', 'kam-tcp']) {
      expect(by.get(name)?.status).toBe('pass');
      for (const check of ['options.est', 'options.livekit']) {
        expect(finding(name, check)).toMatchObject({
          status: 'pass',
          evidence: expect.stringMatching(/: 200 OK in [\d.]+ ms, server "kamailio-test"\.$/),
        });
      }
    }
    expect(finding('kam-tcp', 'options.est')?.evidence).toContain('est.ok.test:5060/TCP');

    expect(by.get('kam-silent')?.status).toBe('fail');
    expect(finding('kam-silent', 'options.est')).toMatchObject({
      status: 'fail',
      title: 'EST trunk est.silent.test:5060/UDP does not answer OPTIONS',
      evidence: 'No answer to OPTIONS from est.silent.test:5060/UDP within 1000 ms.',
    });
    expect(finding('kam-silent', 'options.livekit')).toMatchObject({
      status: 'fail',
      title: 'LiveKit SIP sip.silent.test:5060/UDP does not answer OPTIONS',
    });
    // Six distinct targets (three hosts over UDP, the two ok hosts over TCP too), each probed once.
    expect(run.result.optionsProbes).toBe(6);

    const top = h.slack.topLevel(OPS_CHANNEL);
    const summary = renderMessage(top[top.length - 1]!.args);
    expect(summary).toContain('3 bindings: 2 pass, 1 fail');
    expect(summary).toContain('❌ kam-silent — EST trunk est.silent.test:5060/UDP does not answer OPTIONS (+1 more)');
    const replies = h.slack.thread(OPS_CHANNEL, top[top.length - 1]!.ts).replies;
    expect(replies).toHaveLength(1);
    expect(renderMessage(replies[0]!.args)).toContain(
      'Check firewalls and security groups allow SIP UDP port 5060 both ways',
    );
  });
});
