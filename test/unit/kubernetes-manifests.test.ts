import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENV_VARIABLES, loadConfig } from '../../src/config';
import { PLACEHOLDER_SECRETS } from '../../src/placeholder-secrets';

/** deploy/kubernetes/* parsed and checked against the env contract (src/config.ts) and the HTTP routes. */
interface K8sDoc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface Container {
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string }; timeoutSeconds: number };
  resources: { requests: { memory: string; cpu: string }; limits: { memory: string } };
}

const dir = join(__dirname, '..', '..', 'deploy', 'kubernetes');
const docs: K8sDoc[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as K8sDoc));
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const deployment = byKind('Deployment')[0]!;
const podSpec = (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec;
const container = podSpec.containers[0]!;
const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1] ?? NaN);

describe('deploy/kubernetes', () => {
  it('has a Deployment, a Service and a ConfigMap', () => {
    expect(byKind('Deployment')).toHaveLength(1);
    expect(byKind('Service')).toHaveLength(1);
    expect(byKind('ConfigMap')).toHaveLength(1);
  });

  it('sets only variables of the env contract, takes every secret from a Secret, and validates with real secrets', () => {
    const config = byKind('ConfigMap').find((c) =>
      container.envFrom?.some((e) => e.configMapRef?.name === c.metadata.name),
    )!;
    const fromConfig = Object.keys(config.data ?? {});
    const fromEnv = (container.env ?? []).map((e) => e.name);
    for (const name of [...fromConfig, ...fromEnv]) expect(ENV_VARIABLES).toContain(name);
    const secretNames = Object.keys(PLACEHOLDER_SECRETS);
    // no secret in the ConfigMap or inline
    expect(fromConfig.filter((n) => secretNames.includes(n))).toEqual([]);
    for (const e of container.env ?? [])
      if (secretNames.includes(e.name))
        expect(e.valueFrom?.secretKeyRef).toEqual({ name: 'sip-ops-secrets', key: e.name });
    const env: Record<string, string> = { ...config.data };
    const example = byKind('Secret')[0]!.stringData ?? {};
    for (const e of container.env ?? [])
      env[e.name] =
        e.value ??
        (e.name === 'DATABASE_URL' ? example[e.name]! : `${e.name.toLowerCase()}-real-value-0123456789abcdef`);
    env.SLACK_BOT_TOKEN = 'xoxb-real-token-1';
    expect(loadConfig(env)).toMatchObject({ ok: true });
  });

  it('probes /healthz for liveness and /readyz for readiness on the service port', () => {
    const data = byKind('ConfigMap')[0]!.data!;
    expect(container.ports).toEqual([{ name: 'http', containerPort: Number(data.PORT) }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // /readyz bounds each probe to 2 s (src/http/health-routes.ts PROBE_TIMEOUT_MS)
    expect(container.readinessProbe.timeoutSeconds).toBeGreaterThan(2);
    const svc = byKind('Service')[0]!.spec as {
      selector: Record<string, string>;
      ports: Array<{ targetPort: string }>;
    };
    expect(svc.selector).toEqual({ app: 'sip-ops' });
    expect(svc.ports[0]!.targetPort).toBe('http');
  });

  it('requests memory above the bench RSS (about 105 MB with 1,000 bindings) and limits above the bench target', () => {
    expect(mib(container.resources.requests.memory)).toBeGreaterThanOrEqual(128);
    expect(mib(container.resources.limits.memory)).toBeGreaterThanOrEqual(2 * 128);
  });

  it('runs two replicas on PostgreSQL, spread over nodes, that a drain or rollout never takes both of', () => {
    expect(deployment.spec).toMatchObject({
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } },
    });
    const example = byKind('Secret')[0]!.stringData ?? {};
    expect(container.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'sip-ops-secrets',
      key: 'DATABASE_URL',
    });
    expect(example.DATABASE_URL).toMatch(/^postgres:\/\//);
    // No SQLite volume: replicas share state only through the database.
    expect(byKind('PersistentVolumeClaim')).toEqual([]);
    const labels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
      .labels;
    const pdb = byKind('PodDisruptionBudget');
    expect(pdb).toHaveLength(1);
    const budget = pdb[0]!.spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    expect(budget.minAvailable).toBe(1);
    expect(budget.minAvailable).toBeLessThan((deployment.spec as { replicas: number }).replicas);
    for (const [k, v] of Object.entries(budget.selector.matchLabels)) expect(labels[k]).toBe(v);
  });
});
