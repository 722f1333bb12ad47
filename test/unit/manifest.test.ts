import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ENV_VARIABLES, loadConfig } from '../../src/config';
import { PLACEHOLDER_SECRETS, placeholderSecretProblems } from '../../src/placeholder-secrets';

/**
 * manifest.yml (HTTP mode) and manifest.socket-mode.yml against the rules of Slack's app manifest schema v1 that matter here
 * (slack-bolt.md §4, from slackapi/manifest-schema `manifest.schema.1.0.0.json`), plus what
 * SIP Ops itself needs (HTTP mode with every URL on Bolt's /slack/events).
 */

const root = join(__dirname, '..', '..');
const MANIFESTS = { http: 'manifest.yml', socket: 'manifest.socket-mode.yml' } as const;
const rawOf = (file: string): string => readFileSync(join(root, file), 'utf8');

const slackEventsUrl = z.url({ protocol: /^https$/ }).refine((u) => new URL(u).pathname === '/slack/events', {
  error: 'Bolt serves commands, interactivity and events on /slack/events',
});

const SlashCommand = z.strictObject({
  command: z.string().regex(/^\/[a-z0-9-_]{1,31}$/),
  // Optional in the schema: Socket Mode apps have no request URLs.
  url: slackEventsUrl.optional(),
  description: z.string().min(1).max(2000),
  usage_hint: z.string().max(1000).optional(),
  should_escape: z.boolean().default(false),
});

const Manifest = z.strictObject({
  _metadata: z.strictObject({ major_version: z.literal(1), minor_version: z.number().int().min(0).optional() }),
  display_information: z.strictObject({
    name: z.string().min(1).max(35),
    description: z.string().max(140).optional(),
    long_description: z.string().min(175).max(4000).optional(),
    background_color: z
      .string()
      .regex(/^#([0-9a-fA-F]{3}){1,2}$/)
      .optional(),
  }),
  features: z.strictObject({
    app_home: z
      .strictObject({
        home_tab_enabled: z.boolean().optional(),
        messages_tab_enabled: z.boolean().optional(),
        messages_tab_read_only_enabled: z.boolean().optional(),
      })
      .optional(),
    bot_user: z.strictObject({ display_name: z.string().min(1).max(80), always_online: z.boolean().optional() }),
    slash_commands: z.array(SlashCommand).max(50),
  }),
  oauth_config: z.strictObject({
    scopes: z.strictObject({ bot: z.array(z.string().min(1)).min(1), user: z.array(z.string()).optional() }),
    redirect_urls: z.array(z.url()).optional(),
  }),
  settings: z.strictObject({
    event_subscriptions: z
      .strictObject({
        request_url: slackEventsUrl.optional(),
        bot_events: z.array(z.string().min(1)).max(100),
        user_events: z.array(z.string()).max(100).optional(),
      })
      .optional(),
    interactivity: z.strictObject({
      is_enabled: z.boolean(),
      request_url: slackEventsUrl.optional(),
      message_menu_options_url: z.url().optional(),
    }),
    org_deploy_enabled: z.boolean(),
    socket_mode_enabled: z.boolean(),
    token_rotation_enabled: z.boolean(),
  }),
});

// channels:history / groups:history: an inbound call's thread parent is found again after a crash (conversations.history).
const REQUIRED_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'files:write',
  'channels:history',
  'groups:history',
];
const REQUIRED_COMMANDS = ['/sip-setup', '/sip-test-call'];

/** Cross-field rules: what SIP Ops' listeners need from the app configuration. */
const SipOpsManifest = Manifest.superRefine((m, ctx) => {
  const scopes = new Set(m.oauth_config.scopes.bot);
  for (const s of REQUIRED_SCOPES) {
    if (!scopes.has(s))
      ctx.addIssue({ code: 'custom', path: ['oauth_config', 'scopes', 'bot'], message: `missing scope ${s}` });
  }
  const commands = m.features.slash_commands.map((c) => c.command);
  for (const c of REQUIRED_COMMANDS) {
    if (!commands.includes(c))
      ctx.addIssue({ code: 'custom', path: ['features', 'slash_commands'], message: `missing command ${c}` });
  }
  if (new Set(commands).size !== commands.length) {
    ctx.addIssue({ code: 'custom', path: ['features', 'slash_commands'], message: 'duplicate command' });
  }
  if (
    m.features.app_home?.home_tab_enabled &&
    !m.settings.event_subscriptions?.bot_events.includes('app_home_opened')
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['settings', 'event_subscriptions'],
      message: 'the Home tab needs the app_home_opened bot event',
    });
  }
  const urls = [
    ...m.features.slash_commands.map((c, i) => ({ path: ['features', 'slash_commands', i, 'url'], url: c.url })),
    ...(m.settings.event_subscriptions
      ? [{ path: ['settings', 'event_subscriptions', 'request_url'], url: m.settings.event_subscriptions.request_url }]
      : []),
    ...(m.settings.interactivity.is_enabled
      ? [{ path: ['settings', 'interactivity', 'request_url'], url: m.settings.interactivity.request_url }]
      : []),
  ];
  for (const u of urls) {
    // HTTP mode: Slack posts to each URL. Socket Mode: everything comes over the socket, a URL would be ignored.
    if (!m.settings.socket_mode_enabled && !u.url)
      ctx.addIssue({ code: 'custom', path: u.path, message: 'HTTP mode needs a request URL here' });
    if (m.settings.socket_mode_enabled && u.url)
      ctx.addIssue({ code: 'custom', path: u.path, message: 'Socket Mode takes no request URL' });
  }
});

type ManifestT = z.infer<typeof Manifest>;

function load(file: string): ManifestT {
  const result = SipOpsManifest.safeParse(parse(rawOf(file)));
  if (!result.success) throw new Error(`${file}: ${z.prettifyError(result.error)}`);
  return result.data;
}

describe.each(Object.entries(MANIFESTS))('%s mode: %s', (mode, file) => {
  const m = load(file);
  const raw = rawOf(file);

  it('passes the schema rules (lengths, command names, limits, https /slack/events URLs)', () => {
    expect(m._metadata.major_version).toBe(1);
    expect(m.display_information.name).toBe('SIP Ops');
    expect(m.display_information.description!.length).toBeLessThanOrEqual(140);
    expect(m.display_information.long_description!.length).toBeGreaterThanOrEqual(175);
    expect(m.display_information.long_description!.length).toBeLessThanOrEqual(4000);
  });

  it('declares both commands with the documented usage hints', () => {
    const byName = new Map(m.features.slash_commands.map((c) => [c.command, c]));
    expect([...byName.keys()].sort()).toEqual(['/sip-setup', '/sip-test-call']);
    expect(byName.get('/sip-setup')).toMatchObject({
      usage_hint: '[name] | list | show <name> | import <name> … | delete <name> | check [name] | help',
      should_escape: false,
    });
    expect(byName.get('/sip-test-call')).toMatchObject({
      usage_hint: '<binding> <number> [timeout-seconds]',
      should_escape: false,
    });
  });

  it('asks for the scopes the bot uses', () => {
    expect(m.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['commands', 'chat:write', 'chat:write.public', 'files:write']),
    );
  });

  it('subscribes to app_home_opened because the Home tab is enabled; the messages tab is read-only (DM fallback for change reports)', () => {
    expect(m.features.app_home).toMatchObject({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
    expect(m.settings.event_subscriptions?.bot_events).toContain('app_home_opened');
  });

  it(`runs in ${mode === 'http' ? 'HTTP mode with every request URL' : 'Socket Mode with no request URL'}, interactivity on and a bot user`, () => {
    expect(m.settings).toMatchObject({
      org_deploy_enabled: false,
      socket_mode_enabled: mode === 'socket',
      token_rotation_enabled: false,
    });
    expect(m.settings.interactivity).toMatchObject({ is_enabled: true });
    const urls = [
      m.settings.interactivity.request_url,
      m.settings.event_subscriptions?.request_url,
      ...m.features.slash_commands.map((c) => c.url),
    ];
    expect(urls.every((u) => (mode === 'http' ? u !== undefined : u === undefined))).toBe(true);
    expect(m.features.bot_user).toEqual({ display_name: 'sip-ops', always_online: true });
  });

  it('the schema catches the mistakes it is there for', () => {
    const base = parse(raw) as ManifestT;
    const broken = (mutate: (x: ManifestT) => void) => {
      const copy = structuredClone(base);
      mutate(copy);
      return SipOpsManifest.safeParse(copy).success;
    };
    expect(broken(() => undefined)).toBe(true);
    expect(broken((x) => (x.features.slash_commands[0]!.command = '/SIP Setup'))).toBe(false);
    expect(broken((x) => (x.features.slash_commands[0]!.url = 'http://sip-ops.example.com/slack/events'))).toBe(false);
    expect(broken((x) => (x.settings.interactivity.request_url = 'https://sip-ops.example.com/slack/actions'))).toBe(
      false,
    );
    expect(broken((x) => (x.display_information.description = 'x'.repeat(141)))).toBe(false);
    expect(broken((x) => (x.display_information.long_description = 'too short'))).toBe(false);
    expect(broken((x) => (x.display_information.name = 'x'.repeat(36)))).toBe(false);
    expect(
      broken((x) => delete (x.settings.interactivity as Partial<ManifestT['settings']['interactivity']>).is_enabled),
    ).toBe(false);
    expect(broken((x) => (x.settings.event_subscriptions!.bot_events = []))).toBe(false);
    expect(broken((x) => (x.oauth_config.scopes.bot = ['commands', 'chat:write']))).toBe(false);
    expect(broken((x) => x.features.slash_commands.pop())).toBe(false);
    // The other mode's URLs: missing in HTTP mode, present in Socket Mode.
    expect(broken((x) => (x.settings.socket_mode_enabled = !x.settings.socket_mode_enabled))).toBe(false);
    if (mode === 'http') expect(broken((x) => delete x.settings.interactivity.request_url)).toBe(false);
    else
      expect(broken((x) => (x.settings.interactivity.request_url = 'https://sip-ops.example.com/slack/events'))).toBe(
        false,
      );
    expect(
      broken(
        (x) =>
          (x.features.slash_commands = [
            ...base.features.slash_commands,
            ...Array.from({ length: 49 }, (_, i) => ({ ...base.features.slash_commands[0]!, command: `/c${i}` })),
          ]),
      ),
    ).toBe(false);
  });
});

describe('the two manifests', () => {
  it('differ only in Socket Mode and the request URLs', () => {
    const strip = (m: ManifestT) => {
      const c = structuredClone(m);
      for (const cmd of c.features.slash_commands) delete cmd.url;
      delete c.settings.event_subscriptions?.request_url;
      delete c.settings.interactivity.request_url;
      c.settings.socket_mode_enabled = false;
      return c;
    };
    expect(strip(load(MANIFESTS.socket))).toEqual(strip(load(MANIFESTS.http)));
  });
});

/** The deployment files have to agree with each other and with the config schema. */
describe('deployment files (docker-compose.yml, deploy/*.yaml, .env.example, Dockerfile)', () => {
  const read = (p: string) => readFileSync(join(root, p), 'utf8');
  const livekit = parse(read('deploy/livekit.yaml')) as {
    port: number;
    rtc: { tcp_port: number; port_range_start: number; port_range_end: number; use_external_ip: boolean };
    redis: { address: string };
    keys: Record<string, string>;
    webhook: { api_key: string; urls: string[] };
  };
  const sip = parse(read('deploy/sip.yaml')) as Record<string, unknown> & { redis: { address: string } };
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };
  const env: Record<string, string> = {};
  const mentioned = new Set<string>();
  for (const line of read('.env.example').split('\n')) {
    const m = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    mentioned.add(m[2]!);
    if (!m[1]) env[m[2]!] = m[3]!;
  }
  /** The example with real values for its placeholder secrets. */
  const real = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      k in PLACEHOLDER_SECRETS ? `${v.replace(/replace-me|change-me/g, 'x')}-real-0123456789` : v,
    ]),
  );

  it('.env.example names every variable of the config schema and passes it', () => {
    expect([...mentioned].sort()).toEqual([...ENV_VARIABLES].sort());
    // The shipped secrets are placeholders, refused at start (src/placeholder-secrets.ts); with real ones it passes.
    expect(loadConfig(env)).toEqual({ ok: false, problems: placeholderSecretProblems(env) });
    expect(loadConfig(real)).toMatchObject({ ok: true });
  });

  it('LiveKit, LiveKit SIP and SIP Ops share one key pair, Redis and the webhook route', () => {
    const [key, secret] = Object.entries(livekit.keys)[0]!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(sip.api_key).toBe(key);
    expect(sip.api_secret).toBe(secret);
    expect(env.LIVEKIT_API_KEY).toBe(key);
    expect(env.LIVEKIT_API_SECRET).toBe(secret);
    expect(livekit.webhook.api_key).toBe(key);
    expect(sip.redis.address).toBe(livekit.redis.address);
    expect(sip.ws_url).toBe(`ws://127.0.0.1:${livekit.port}`);
    expect(new URL(env.LIVEKIT_URL!).port).toBe(String(livekit.port));
    expect(livekit.webhook.urls).toEqual([`http://127.0.0.1:${env.PORT}/livekit/webhook`]);
  });

  it('uses the ports of the Sinch guide', () => {
    expect(livekit).toMatchObject({
      port: 7880,
      rtc: { tcp_port: 7881, port_range_start: 50000, port_range_end: 60000, use_external_ip: true },
    });
    expect(sip).toMatchObject({
      sip_port: 5060,
      rtp_port: '10000-20000',
      use_external_ip: true,
      logging: { level: 'info' },
    });
  });

  it('compose runs the four services on the host network (so 127.0.0.1 above is right)', () => {
    const always = Object.entries(compose.services).filter(([, svc]) => svc.profiles === undefined);
    expect(always.map(([n]) => n).sort()).toEqual(['livekit', 'livekit-sip', 'redis', 'sip-ops']);
    for (const s of Object.values(compose.services)) {
      expect(s.network_mode).toBe('host');
      expect(s.ports).toBeUndefined();
    }
    expect(compose.services['livekit']!.command).toEqual(['--config', '/etc/livekit.yaml']);
    expect(compose.services['livekit']!.volumes).toContain('./deploy/livekit.yaml:/etc/livekit.yaml:ro');
    expect(compose.services['livekit-sip']!.volumes).toContain('./deploy/sip.yaml:/sip/config.yaml:ro');
    expect(compose.services['sip-ops']).toMatchObject({
      build: '.',
      env_file: '.env',
      depends_on: { livekit: { condition: 'service_healthy' } },
      volumes: ['sip-ops-data:/app/data'],
    });
    expect(compose.volumes).toHaveProperty('sip-ops-data');
  });

  it('the replicas profile: PostgreSQL, two replicas on it, nginx on the one port in front (webhooks to one replica, its peer as backup)', () => {
    const inProfile = Object.entries(compose.services).filter(([, svc]) =>
      (svc.profiles as string[] | undefined)?.includes('replicas'),
    );
    expect(inProfile.map(([n]) => n).sort()).toEqual(['postgres', 'proxy', 'sip-ops-1', 'sip-ops-2']);
    const replicas = ['sip-ops-1', 'sip-ops-2'].map(
      (n) => compose.services[n]! as { environment: Record<string, string> },
    );
    expect(replicas.map((r) => r.environment.PORT)).toEqual(['3001', '3002']);
    for (const r of replicas) {
      const url = r.environment.DATABASE_URL!.replace('${POSTGRES_PASSWORD:-change-me}', 'pw');
      expect(loadConfig({ ...real, DATABASE_URL: url })).toMatchObject({
        ok: true,
        config: { database: { engine: 'postgres' } },
      });
    }
    const nginx = read('deploy/nginx-replicas.conf');
    expect(nginx).toMatch(/listen 3000;/);
    expect(nginx).toMatch(
      /upstream sip_ops_webhooks \{\s*server 127\.0\.0\.1:3001[^;]*;\s*server 127\.0\.0\.1:3002 backup;/,
    );
    expect(nginx).toMatch(/location = \/livekit\/webhook \{\s*proxy_pass http:\/\/sip_ops_webhooks;/);
    expect(compose.services['proxy']!.volumes).toContain(
      './deploy/nginx-replicas.conf:/etc/nginx/conf.d/default.conf:ro',
    );
    expect(livekit.webhook.urls).toEqual([`http://127.0.0.1:3000/livekit/webhook`]);
  });

  it('compose: Redis persists, images are pinned, every service has a health check and waits for health', () => {
    const redis = compose.services['redis'] as { command: string[]; volumes: string[] };
    expect(redis.command.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.volumes).toContain('redis-data:/data');
    expect(compose.volumes).toHaveProperty('redis-data');
    for (const [name, svc] of Object.entries(compose.services)) {
      const image = String(svc['image']);
      // PostgreSQL releases are major.minor (15.10); everything else major.minor.patch.
      const pinned = name === 'postgres' ? /^postgres:\d+\.\d+-[a-z]+$/ : /:v?\d+\.\d+\.\d+(-[a-z]+)?$/;
      expect([name, image]).toEqual([name, expect.stringMatching(pinned)]);
      expect([name, svc['healthcheck']]).toEqual([name, expect.objectContaining({ test: expect.any(Array) })]);
      for (const cond of Object.values((svc['depends_on'] ?? {}) as Record<string, { condition: string }>)) {
        expect([name, cond.condition]).toEqual([name, 'service_healthy']);
      }
    }
    expect(sip['health_port']).toBe(8080);
    expect(JSON.stringify(compose.services['livekit-sip']!['healthcheck'])).toContain(
      `127.0.0.1:${String(sip['health_port'])}/`,
    );
  });

  it('the Dockerfile starts the compiled entry point in exec form as a non-root user', () => {
    const docker = read('Dockerfile');
    expect(docker).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
    expect(docker).toMatch(/^USER node$/m);
    expect(docker).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(docker).toContain('ENV DATABASE_URL=sqlite:/app/data/sip-ops.db');
    const pkg = JSON.parse(read('package.json')) as { main: string };
    expect(pkg.main).toBe('dist/src/main.js');
  });

  it('the image build has every script `npm run build` runs: copied in the build stage, not excluded by .dockerignore', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const scripts = [...pkg.scripts['build']!.matchAll(/\bnode (\S+)/g)].map((m) => m[1]!);
    expect(scripts).toContain('scripts/build-echarts.mjs');
    const docker = read('Dockerfile');
    const build = docker.slice(0, docker.indexOf('RUN npm run build'));
    const ignore = read('.dockerignore').split('\n');
    for (const script of scripts) {
      expect(build).toContain(`COPY ${script} ./${script}`);
      expect(ignore).toContain(`!${script}`);
      expect(ignore.indexOf(`!${script}`)).toBeGreaterThan(ignore.indexOf(script.split('/')[0]!));
    }
    // The build stage installs the devDependencies the build uses (typescript, esbuild) before pruning them.
    expect(build).toMatch(/^RUN npm ci$/m);
    expect(build).not.toMatch(/NODE_ENV=production|--omit=dev/);
  });

  it("engines admit the Node lines CI tests (its own Node, and the Dockerfile's line through .ci/node24-tests)", () => {
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
    // Only caret ranges (`^major.minor.patch`), one per line.
    const ranges = pkg.engines.node.split('||').map((r) => {
      const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(r.trim());
      if (!m) throw new Error(`engines.node: not a caret range: ${r}`);
      return m.slice(1).map(Number) as [number, number, number];
    });
    const admits = (v: string): boolean => {
      const [major, minor, patch] = v.replace(/^v/, '').split('.').map(Number) as [number, number, number];
      return ranges.some(([M, m, p]) => major === M && (minor > m || (minor === m && patch >= p)));
    };
    expect(admits(process.version)).toBe(true);
    const dockerLines = [...read('Dockerfile').matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(new Set(dockerLines)).toEqual(new Set([24]));
    expect(read('.ci/node24-tests')).toContain('NODE24_VERSION="${NODE24_VERSION:-24}"');
    expect(read('.ci/run')).toMatch(/^REQUIRE_KAMAILIO=1 .*\.ci\/node24-tests$/m);
    expect(ranges.map(([M]) => M)).toContain(24);
  });
});
