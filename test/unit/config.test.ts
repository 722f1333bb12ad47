import { loadConfig } from '../../src/config';
import { pgConnection, pgTlsOption } from '../../src/store/postgres';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'abcdef0123456789',
  LIVEKIT_URL: 'http://livekit.local:7880',
  LIVEKIT_API_KEY: 'devkey',
  LIVEKIT_API_SECRET: 'devsecretdevsecretdevsecretdevsec',
};

describe('loadConfig', () => {
  it('reads SECRETS_KEY / SECRETS_KEY_PREVIOUS as 32-byte keys and names a bad one', () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    const ok = loadConfig({ ...valid, SECRETS_KEY: key, SECRETS_KEY_PREVIOUS: Buffer.alloc(32, 4).toString('hex') });
    expect(
      ok.ok && ok.config.secretsKey?.bytes.length === 32 && ok.config.secretsKeyPrevious?.bytes.length === 32,
    ).toBe(true);
    expect(ok.ok && ok.config.secretsKey?.id !== ok.config.secretsKeyPrevious?.id).toBe(true);
    expect(loadConfig({ ...valid, SECRETS_KEY: 'too-short' })).toEqual({
      ok: false,
      problems: ['SECRETS_KEY: expected 32 random bytes as base64 (openssl rand -base64 32) or as 64 hex digits'],
    });
    expect(loadConfig({ ...valid, SECRETS_KEY_PREVIOUS: key })).toEqual({
      ok: false,
      problems: ['SECRETS_KEY_PREVIOUS: set SECRETS_KEY (the new key) too; the previous key is only read'],
    });
    const none = loadConfig(valid);
    expect(none.ok && none.config.secretsKey).toBe(undefined);
  });

  it('applies the documented defaults', () => {
    const r = loadConfig(valid);
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.database).toEqual({ engine: 'sqlite', path: './data/sip-ops.db' });
    expect(r.config.port).toBe(3000);
    expect(r.config.logLevel).toBe('info');
    expect(r.config.summary).toEqual({ cron: '0 9 * * *', timezone: 'UTC', trendDays: 7, leaseMs: 600_000 });
    expect(r.config.exportToken).toBeUndefined();
    expect(r.config.adminUserIds).toEqual([]);
    expect(r.config.testCall).toEqual({ channelIds: [], allowedPrefixes: [] });
    expect(r.config.slack.appToken).toBeUndefined();
    expect(r.config.inboundThread).toBe('compact');
  });

  it('names every missing variable on its own line', () => {
    const r = loadConfig({});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const names = r.problems.map((p) => p.split(':')[0]);
    expect(names).toEqual([
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'LIVEKIT_URL',
      'LIVEKIT_API_KEY',
      'LIVEKIT_API_SECRET',
    ]);
    for (const p of r.problems) expect(p).toMatch(/^[A-Z_]+: .+/);
  });

  it('reads SUMMARY_TREND_DAYS (1 to 90) and EXPORT_TOKEN (16+ characters)', () => {
    const r = loadConfig({ ...valid, SUMMARY_TREND_DAYS: '30', EXPORT_TOKEN: 'x'.repeat(32) });
    expect(r.ok && r.config.summary.trendDays).toBe(30);
    expect(r.ok && r.config.exportToken).toBe('x'.repeat(32));
    for (const bad of ['0', '91', '7.5', 'week']) {
      const b = loadConfig({ ...valid, SUMMARY_TREND_DAYS: bad });
      expect(b.ok ? [] : b.problems).toEqual([expect.stringMatching(/^SUMMARY_TREND_DAYS: expected/)]);
    }
    const short = loadConfig({ ...valid, EXPORT_TOKEN: 'short' });
    expect(short.ok ? [] : short.problems).toEqual([expect.stringMatching(/^EXPORT_TOKEN: expected at least 16/)]);
  });

  it('explains bad values and what is expected', () => {
    const r = loadConfig({
      ...valid,
      SLACK_BOT_TOKEN: 'xoxp-user-token',
      PORT: 'eighty',
      SUMMARY_CRON: 'every day',
      SUMMARY_TZ: 'Mars/Olympus',
      TEST_CALL_ALLOWED_PREFIXES: '+1, 44',
      ADMIN_USER_IDS: 'U123ABC,alice',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      INBOUND_THREAD: 'chatty',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.join('\n');
    expect(text).toContain('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
    expect(text).toMatch(/PORT: expected/);
    expect(text).toMatch(/SUMMARY_CRON: expected a cron expression/);
    expect(text).toMatch(/SUMMARY_TZ: expected an IANA time zone/);
    expect(text).toMatch(/TEST_CALL_ALLOWED_PREFIXES: .*"44" is not one/);
    expect(text).toMatch(/ADMIN_USER_IDS: .*"alice" is not one/);
    expect(text).toMatch(/LOG_LEVEL: expected one of/);
    expect(text).toMatch(/DATABASE_URL: expected sqlite:/);
    expect(text).toContain('INBOUND_THREAD: expected compact or live');
  });

  it('selects PostgreSQL for a postgres:// URL, with pool size and statement timeout', () => {
    const r = loadConfig({
      ...valid,
      DATABASE_URL: 'postgres://sipops:pw@db.internal:5432/sipops?sslmode=require',
      DATABASE_POOL_SIZE: '4',
      DATABASE_STATEMENT_TIMEOUT_MS: '2500',
    });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.database).toEqual({
      engine: 'postgres',
      url: 'postgres://sipops:pw@db.internal:5432/sipops?sslmode=require',
      poolSize: 4,
      statementTimeoutMs: 2500,
      sslMode: 'require',
    });
    const d = loadConfig({ ...valid, DATABASE_URL: 'postgresql://h/db' });
    expect(d.ok && d.config.database).toEqual({
      engine: 'postgres',
      url: 'postgresql://h/db',
      poolSize: 10,
      statementTimeoutMs: 10000,
      sslMode: 'disable',
    });
    const bad = loadConfig({ ...valid, DATABASE_URL: 'postgres://', DATABASE_POOL_SIZE: '0' });
    expect(bad.ok ? [] : bad.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL: expected sqlite:.* or postgres:/),
        expect.stringMatching(/^DATABASE_POOL_SIZE: expected 1 to 100/),
      ]),
    );
  });

  it("takes TLS from the URL's sslmode, else PGSSLMODE, and refuses a mode it cannot honour", () => {
    const mode = (env: Record<string, string>) => {
      const r = loadConfig({ ...valid, ...env });
      if (!r.ok) return r.problems.join('\n');
      return r.config.database.engine === 'postgres' ? r.config.database.sslMode : 'sqlite';
    };
    expect(mode({ DATABASE_URL: 'postgres://h/db?sslmode=verify-full' })).toBe('verify-full');
    expect(mode({ DATABASE_URL: 'postgres://h/db?sslmode=verify-ca', PGSSLMODE: 'disable' })).toBe('verify-ca');
    expect(mode({ DATABASE_URL: 'postgres://h/db', PGSSLMODE: 'require' })).toBe('require');
    expect(mode({ DATABASE_URL: 'postgres://h/db', PGSSLMODE: 'no-verify' })).toBe('no-verify');
    expect(mode({ DATABASE_URL: 'postgres://h/db?sslmode=prefer' })).toBe(
      'DATABASE_URL: sslmode prefer is not supported: use one of disable, no-verify, require, verify-ca, verify-full',
    );
    expect(mode({ DATABASE_URL: 'sqlite:./x.db', PGSSLMODE: 'bogus' })).toBe('sqlite');
  });

  it('maps sslmode to the pool: the resolved mode wins over the URL, require encrypts without verifying', () => {
    expect(
      pgConnection({ url: 'postgres://u@h/db?sslmode=disable&application_name=x', sslMode: 'verify-full' }),
    ).toEqual({
      connectionString: 'postgres://u@h/db?application_name=x',
      ssl: { rejectUnauthorized: true },
    });
    expect(pgTlsOption('require')).toEqual({ rejectUnauthorized: false });
    expect(pgTlsOption('disable')).toBe(false);
    const ca = pgTlsOption('verify-ca');
    expect(ca && ca.rejectUnauthorized).toBe(true);
    expect(ca && ca.checkServerIdentity?.()).toBeUndefined();
    expect(pgConnection({ url: 'postgres://u@h/db?sslmode=require' })).toEqual({
      connectionString: 'postgres://u@h/db?sslmode=require',
    });
  });

  it('reads the change lease (CHANGE_LEASE_MS), 60 s by default', () => {
    const d = loadConfig(valid);
    expect(d.ok && d.config.changeLeaseMs).toBe(60_000);
    const r = loadConfig({ ...valid, CHANGE_LEASE_MS: '3000' });
    expect(r.ok && r.config.changeLeaseMs).toBe(3000);
    const bad = loadConfig({ ...valid, CHANGE_LEASE_MS: '10' });
    expect(bad.ok ? [] : bad.problems).toEqual([expect.stringMatching(/^CHANGE_LEASE_MS: expected 1000 to 3600000/)]);
  });

  it('parses lists, optional Socket Mode and the Slack API URL', () => {
    const r = loadConfig({
      ...valid,
      SLACK_APP_TOKEN: 'xapp-1-abc',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      ADMIN_USER_IDS: 'U01, U02',
      TEST_CALL_CHANNEL_IDS: 'C01,C02',
      TEST_CALL_USER_IDS: 'U03',
      TEST_CALL_ALLOWED_PREFIXES: '+1415,+4420',
      DATABASE_URL: 'sqlite:/var/lib/sip-ops/db.sqlite',
      PORT: '8080',
    });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.slack.appToken).toBe('xapp-1-abc');
    expect(r.config.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(r.config.adminUserIds).toEqual(['U01', 'U02']);
    expect(r.config.testCall).toEqual({
      channelIds: ['C01', 'C02'],
      userIds: ['U03'],
      allowedPrefixes: ['+1415', '+4420'],
    });
    expect(r.config.database).toEqual({ engine: 'sqlite', path: '/var/lib/sip-ops/db.sqlite' });
    expect(r.config.port).toBe(8080);
  });

  it('Socket Mode (SLACK_APP_TOKEN) needs no signing secret; HTTP mode does', () => {
    const { SLACK_SIGNING_SECRET: _unused, ...noSecret } = valid;
    const socket = loadConfig({ ...noSecret, SLACK_APP_TOKEN: 'xapp-1-abc' });
    if (!socket.ok) throw new Error(socket.problems.join('\n'));
    expect(socket.config.slack).toEqual({ botToken: valid.SLACK_BOT_TOKEN, appToken: 'xapp-1-abc' });
    const http = loadConfig(noSecret);
    expect(http).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^SLACK_SIGNING_SECRET: required in HTTP mode/)],
    });
    // A signing secret given in Socket Mode is still checked.
    expect(loadConfig({ ...valid, SLACK_APP_TOKEN: 'xapp-1-abc', SLACK_SIGNING_SECRET: 'short' })).toMatchObject({
      ok: false,
    });
  });

  it('treats empty strings as unset', () => {
    const r = loadConfig({ ...valid, SLACK_APP_TOKEN: '', TEST_CALL_USER_IDS: '', SUMMARY_CHANNEL: '' });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.slack.appToken).toBeUndefined();
    expect(r.config.testCall.userIds).toBeUndefined();
    expect(r.config.summary.channel).toBeUndefined();
  });

  describe('sinch section', () => {
    const key = { SINCH_PROJECT_ID: 'proj-1', SINCH_KEY_ID: 'key-1', SINCH_KEY_SECRET: 'sinch-secret-value' };

    it('without an access key: no credentials and the production base URLs', () => {
      const r = loadConfig(valid);
      if (!r.ok) throw new Error(r.problems.join('\n'));
      expect(r.config.sinch).toEqual({
        estApiUrl: 'https://elastic-trunking.api.sinch.com',
        numbersApiUrl: 'https://numbers.api.sinch.com',
        authUrl: 'https://auth.sinch.com',
      });
    });

    it('all three key variables give credentials; base URLs can point elsewhere (trailing slash dropped)', () => {
      const r = loadConfig({
        ...valid,
        ...key,
        SINCH_EST_API_URL: 'http://127.0.0.1:4010/',
        SINCH_NUMBERS_API_URL: 'http://127.0.0.1:4011',
        SINCH_AUTH_URL: 'http://127.0.0.1:4012',
      });
      if (!r.ok) throw new Error(r.problems.join('\n'));
      expect(r.config.sinch).toEqual({
        credentials: { projectId: 'proj-1', keyId: 'key-1', keySecret: 'sinch-secret-value' },
        estApiUrl: 'http://127.0.0.1:4010',
        numbersApiUrl: 'http://127.0.0.1:4011',
        authUrl: 'http://127.0.0.1:4012',
      });
    });

    it.each([
      [['SINCH_KEY_SECRET'], 'SINCH_KEY_SECRET'],
      [['SINCH_KEY_ID', 'SINCH_KEY_SECRET'], 'SINCH_KEY_ID, SINCH_KEY_SECRET'],
      [['SINCH_PROJECT_ID'], 'SINCH_PROJECT_ID'],
    ])('a partial key set (missing %j) stops the start with one line naming the missing ones', (missing, named) => {
      const env: Record<string, string> = { ...valid, ...key };
      for (const m of missing) delete env[m];
      const r = loadConfig(env);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatch(new RegExp(`^${named}: required together`));
      expect(r.problems[0]).not.toContain('sinch-secret-value');
    });

    it('an empty key variable counts as unset', () => {
      const r = loadConfig({ ...valid, ...key, SINCH_KEY_ID: '' });
      expect(r).toMatchObject({ ok: false, problems: [expect.stringMatching(/^SINCH_KEY_ID: /)] });
    });

    it('rejects a base URL that is not http(s)', () => {
      const r = loadConfig({ ...valid, SINCH_AUTH_URL: 'ftp://auth.example' });
      expect(r).toMatchObject({
        ok: false,
        problems: [expect.stringMatching(/^SINCH_AUTH_URL: expected an http\(s\) base URL/)],
      });
    });
  });
});
