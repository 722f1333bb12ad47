import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config';
import { PLACEHOLDER_SECRETS, emptyAccessWarnings } from '../../src/placeholder-secrets';

const root = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
type Found = { file: string; name: string; value: string };

/** Secret values in .env.example, commented-out lines included. */
function fromEnvExample(): Found[] {
  const out: Found[] = [];
  for (const line of read('.env.example').split('\n')) {
    const m = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m && m[1]! in PLACEHOLDER_SECRETS) out.push({ file: '.env.example', name: m[1]!, value: m[2]!.trim() });
  }
  return out;
}

/** LiveKit secrets in deploy/livekit.yaml (`keys`) and deploy/sip.yaml (`api_secret`). */
function fromLiveKitConfigs(): Found[] {
  const lk = parse(read('deploy/livekit.yaml')) as { keys?: Record<string, string> };
  const sip = parse(read('deploy/sip.yaml')) as { api_secret?: string };
  return [
    ...Object.values(lk.keys ?? {}).map((value) => ({
      file: 'deploy/livekit.yaml',
      name: 'LIVEKIT_API_SECRET',
      value,
    })),
    ...(sip.api_secret ? [{ file: 'deploy/sip.yaml', name: 'LIVEKIT_API_SECRET', value: sip.api_secret }] : []),
  ];
}

/** Secret variables set inline in docker-compose.yml services. */
function fromCompose(): Found[] {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  return Object.values(compose.services).flatMap((s) =>
    Object.entries(s.environment ?? {})
      .filter(([k]) => k in PLACEHOLDER_SECRETS)
      .map(([name, value]) => ({ file: 'docker-compose.yml', name, value: String(value) })),
  );
}

/** `stringData` of every Secret in deploy/kubernetes/. */
function fromKubernetes(): Found[] {
  const dir = join(root, 'deploy', 'kubernetes');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(read(`deploy/kubernetes/${f}`))
        .map((d) => d.toJS() as { kind?: string; stringData?: Record<string, string> })
        .filter((d) => d?.kind === 'Secret')
        .flatMap((d) =>
          Object.entries(d.stringData ?? {})
            .filter(([k]) => k in PLACEHOLDER_SECRETS)
            .map(([name, value]) => ({ file: `deploy/kubernetes/${f}`, name, value })),
        ),
    );
}

const VALID = {
  SLACK_BOT_TOKEN: 'xoxb-real-token-1',
  SLACK_SIGNING_SECRET: 'a-real-signing-secret-0123',
  LIVEKIT_URL: 'http://127.0.0.1:7880',
  LIVEKIT_API_KEY: 'APIabc',
  LIVEKIT_API_SECRET: 'a-real-livekit-secret-0123456789abcdef',
};

describe('placeholder secrets', () => {
  const found = [...fromEnvExample(), ...fromLiveKitConfigs(), ...fromCompose(), ...fromKubernetes()];

  it('every secret value in an example file is a listed placeholder', () => {
    expect(found.filter((f) => f.value !== '' && !(PLACEHOLDER_SECRETS[f.name] ?? []).includes(f.value))).toEqual([]);
    // the collectors did find the shipped values (the check above is not vacuous)
    expect(found.map((f) => f.file)).toEqual(
      expect.arrayContaining(['.env.example', 'deploy/livekit.yaml', 'deploy/sip.yaml']),
    );
    expect(
      found
        .filter((f) => f.file === '.env.example')
        .map((f) => f.name)
        .sort(),
    ).toEqual(['LIVEKIT_API_SECRET', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  });

  it.each(Object.entries(PLACEHOLDER_SECRETS).flatMap(([name, values]) => values.map((v) => [name, v] as const)))(
    'refuses to start with %s set to the shipped value, without echoing it',
    (name, value) => {
      const r = loadConfig({ ...VALID, [name]: value });
      expect(r.ok).toBe(false);
      const problems = r.ok ? [] : r.problems;
      expect(problems).toEqual([`${name}: is the example value shipped in this repository; set the real secret`]);
    },
  );

  it('starts with real values', () => {
    expect(loadConfig(VALID).ok).toBe(true);
  });

  it('warns about empty access lists that close features to everyone', () => {
    const r = loadConfig(VALID);
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(emptyAccessWarnings(r.config)).toEqual([
      expect.stringMatching(/^ADMIN_USER_IDS is empty/),
      expect.stringMatching(/^TEST_CALL_CHANNEL_IDS is empty/),
      expect.stringMatching(/^TEST_CALL_ALLOWED_PREFIXES is empty/),
    ]);
    const full = loadConfig({
      ...VALID,
      ADMIN_USER_IDS: 'U123',
      TEST_CALL_CHANNEL_IDS: 'C123',
      TEST_CALL_ALLOWED_PREFIXES: '+1',
    });
    expect(full.ok && emptyAccessWarnings(full.config)).toEqual([]);
  });
});
