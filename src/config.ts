import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { placeholderSecretProblems } from './placeholder-secrets';
import { parseSecretKey, type SecretKey } from './secrets/secret-box';

/**
 * The environment contract (DESIGN.md "Interface contract"), validated once at start-up.
 * A bad or missing value yields one line per problem naming the variable and what is expected.
 */

const csv = (what: string, item: z.ZodType<string>) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      const parts = (s ?? '')
        .split(/[,\s]+/)
        .map((p) => p.trim())
        .filter((p) => p.length > 0);
      for (const p of parts) {
        if (!item.safeParse(p).success) {
          ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of ${what}; "${p}" is not one` });
          return z.NEVER;
        }
      }
      return parts;
    });

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/);
const slackChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/);
const e164Prefix = z.string().regex(/^\+[0-9]{1,15}$/);

function httpBaseUrl(productionDefault: string) {
  return z
    .url({ error: `expected an http(s) base URL such as ${productionDefault}` })
    .refine((u) => /^https?:\/\//.test(u), { error: `expected an http(s) base URL such as ${productionDefault}` })
    .default(productionDefault)
    .transform((u) => u.replace(/\/+$/, ''));
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** postgres:// or postgresql:// with a host; TLS is chosen by `sslmode` in the query string. */
function isPostgresUrl(s: string): boolean {
  if (!/^postgres(ql)?:\/\//.test(s)) return false;
  try {
    return new URL(s).hostname.length > 0;
  } catch {
    return false;
  }
}

/** Where the data lives: an embedded SQLite file (one replica) or a PostgreSQL server (any number). */
export type DatabaseConfig =
  | { engine: 'sqlite'; path: string }
  | { engine: 'postgres'; url: string; poolSize: number; statementTimeoutMs: number; sslMode: PgSslMode };

/** TLS to PostgreSQL, as libpq names it (`prefer` and `allow` are not offered: node-postgres cannot fall back). */
export const PG_SSL_MODES = ['disable', 'no-verify', 'require', 'verify-ca', 'verify-full'] as const;
export type PgSslMode = (typeof PG_SSL_MODES)[number];

/**
 * The TLS mode of a PostgreSQL connection: the URL's `sslmode`, else PGSSLMODE (as libpq reads it),
 * else `disable`. An unknown mode is an error, never a silent plain-text connection.
 */
export function pgSslMode(
  url: string,
  pgsslmode: string | undefined,
): { ok: true; mode: PgSslMode } | { ok: false; error: string } {
  const asked = new URL(url).searchParams.get('sslmode') ?? pgsslmode ?? 'disable';
  const mode = PG_SSL_MODES.find((m) => m === asked);
  return mode
    ? { ok: true, mode }
    : { ok: false, error: `sslmode ${asked} is not supported: use one of ${PG_SSL_MODES.join(', ')}` };
}

/** A key for secrets at rest (src/secrets): 32 bytes as base64 or hex. */
const secretKey = z.string().transform((s, ctx) => {
  const parsed = parseSecretKey(s);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.key;
});

const signingSecret = z
  .string({
    error:
      "required in HTTP mode: the signing secret from the Slack app's Basic Information page (Socket Mode, with SLACK_APP_TOKEN, does not need it)",
  })
  .min(8, { error: 'expected the signing secret from the Slack app (at least 8 characters)' });

const EnvSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'required: the bot token (xoxb-…) from the Slack app' })
    .startsWith('xoxb-', { error: 'expected a bot token starting with xoxb-' }),
  SLACK_SIGNING_SECRET: signingSecret,
  SLACK_APP_TOKEN: z
    .string()
    .startsWith('xapp-', { error: 'expected an app-level token starting with xapp- (or leave unset for HTTP mode)' })
    .optional(),
  SLACK_API_URL: z.url({ error: 'expected a base URL such as https://slack.com/api/' }).optional(),
  LIVEKIT_URL: z
    .url({ error: 'required: the LiveKit server URL, e.g. http://livekit.example.com:7880' })
    .refine((u) => /^(https?|wss?):\/\//.test(u), { error: 'expected an http(s):// or ws(s):// URL' }),
  LIVEKIT_API_KEY: z.string({ error: 'required: a LiveKit API key from livekit.yaml "keys"' }).min(1),
  LIVEKIT_API_SECRET: z
    .string({ error: 'required: the LiveKit API secret for LIVEKIT_API_KEY' })
    .min(1, { error: 'required: the LiveKit API secret for LIVEKIT_API_KEY' }),
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/sip-ops.db')
    .refine((s) => /^sqlite:.+/.test(s) || isPostgresUrl(s), {
      error:
        'expected sqlite:<path to a database file> (e.g. sqlite:./data/sip-ops.db) or postgres://user@host:5432/db',
    }),
  DATABASE_POOL_SIZE: z.coerce
    .number({ error: 'expected a number of connections, e.g. 10' })
    .int({ error: 'expected a whole number of connections' })
    .min(1, { error: 'expected 1 to 100 connections' })
    .max(100, { error: 'expected 1 to 100 connections' })
    .default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number({ error: 'expected a number of milliseconds, e.g. 10000' })
    .int({ error: 'expected a whole number of milliseconds' })
    .min(100, { error: 'expected 100 to 600000 milliseconds' })
    .max(600_000, { error: 'expected 100 to 600000 milliseconds' })
    .default(10_000),
  PGSSLMODE: z.string().min(1).optional(),
  CHANGE_LEASE_MS: z.coerce
    .number({ error: 'expected a number of milliseconds, e.g. 60000' })
    .int({ error: 'expected a whole number of milliseconds' })
    .min(1000, { error: 'expected 1000 to 3600000 milliseconds' })
    .max(3_600_000, { error: 'expected 1000 to 3600000 milliseconds' })
    .default(60_000),
  PORT: z.coerce
    .number({ error: 'expected a TCP port number' })
    .int({ error: 'expected a whole port number' })
    .min(0, { error: 'expected a port from 0 to 65535' })
    .max(65535, { error: 'expected a port from 0 to 65535' })
    .default(3000),
  HOST: z.string().min(1).optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  SUMMARY_CRON: z
    .string()
    .default('0 9 * * *')
    .refine((s) => validateCron(s), { error: 'expected a cron expression such as "0 9 * * *"' }),
  SUMMARY_TZ: z
    .string()
    .default('UTC')
    .refine(isValidTimeZone, { error: 'expected an IANA time zone such as UTC or Europe/Berlin' }),
  SUMMARY_CHANNEL: slackChannelId.optional().or(z.literal('').transform(() => undefined)),
  SUMMARY_TREND_DAYS: z.coerce
    .number({ error: 'expected a number of days, e.g. 7' })
    .int({ error: 'expected a whole number of days' })
    .min(1, { error: 'expected 1 to 90 days' })
    .max(90, { error: 'expected 1 to 90 days' })
    .default(7),
  SUMMARY_LEASE_MS: z.coerce
    .number({ error: 'expected a number of milliseconds, e.g. 600000' })
    .int({ error: 'expected a whole number of milliseconds' })
    .min(1000, { error: 'expected 1000 to 86400000 milliseconds' })
    .max(86_400_000, { error: 'expected 1000 to 86400000 milliseconds' })
    .default(600_000),
  EXPORT_TOKEN: z
    .string()
    .min(16, { error: 'expected at least 16 characters (a random bearer token for GET /export/calls.csv)' })
    .optional(),
  ADMIN_USER_IDS: csv('Slack user IDs (U…)', slackUserId),
  TEST_CALL_CHANNEL_IDS: csv('Slack channel IDs (C…)', slackChannelId),
  TEST_CALL_USER_IDS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return undefined; // unset: anyone in an allowed channel
      const parts = s.split(/[,\s]+/).filter((p) => p.length > 0);
      for (const p of parts) {
        if (!slackUserId.safeParse(p).success) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a comma-separated list of Slack user IDs (U…); "${p}" is not one`,
          });
          return z.NEVER;
        }
      }
      return parts;
    }),
  TEST_CALL_ALLOWED_PREFIXES: csv('E.164 prefixes such as +1415,+4420', e164Prefix),
  AGENT_JOIN_TIMEOUT_SEC: z.coerce
    .number({ error: 'expected a number of seconds, e.g. 20' })
    .int({ error: 'expected a whole number of seconds' })
    .min(1, { error: 'expected 1 to 600 seconds' })
    .max(600, { error: 'expected 1 to 600 seconds' })
    .default(20),
  INBOUND_THREAD: z.enum(['compact', 'live'], { error: 'expected compact or live' }).default('compact'),
  SECRETS_KEY: secretKey.optional(),
  SECRETS_KEY_PREVIOUS: secretKey.optional(),
  // Sinch project Access Key (sinch-est-api.md §1.2): all three or none.
  SINCH_PROJECT_ID: z.string().min(1).optional(),
  SINCH_KEY_ID: z.string().min(1).optional(),
  SINCH_KEY_SECRET: z.string().min(1).optional(),
  // Base URLs; production hosts from sinch-est-api.md §1.1, §1.2 and §1.5. Tests point them at the emulator.
  SINCH_EST_API_URL: httpBaseUrl('https://elastic-trunking.api.sinch.com'),
  SINCH_NUMBERS_API_URL: httpBaseUrl('https://numbers.api.sinch.com'),
  SINCH_AUTH_URL: httpBaseUrl('https://auth.sinch.com'),
});

const SINCH_KEY_VARIABLES = ['SINCH_PROJECT_ID', 'SINCH_KEY_ID', 'SINCH_KEY_SECRET'] as const;

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  slack: {
    botToken: string;
    /** Required in HTTP mode; optional in Socket Mode (appToken set). */
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
  };
  livekit: { url: string; apiKey: string; apiSecret: string };
  database: DatabaseConfig;
  /**
   * How long a binding change's claim outlives a replica that stopped renewing it (CHANGE_LEASE_MS):
   * after it, a surviving replica finishes or rolls the change back.
   */
  changeLeaseMs: number;
  port: number;
  /** Bind address; unset: all interfaces. */
  host?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * `trendDays`: days in the chart posted with the daily summary (SUMMARY_TREND_DAYS); `leaseMs`: how
   * long the replica elected for a fire time may take before another one serves it (SUMMARY_LEASE_MS).
   */
  summary: { cron: string; timezone: string; channel?: string; trendDays: number; leaseMs: number };
  /** Bearer token of `GET /export/calls.csv` (EXPORT_TOKEN); the route answers 404 without it. */
  exportToken?: string;
  adminUserIds: string[];
  testCall: { channelIds: string[]; userIds?: string[]; allowedPrefixes: string[] };
  /** Seconds after the caller joins before a missing agent is reported. */
  agentJoinTimeoutSec: number;
  /**
   * How an inbound call's thread fills: `compact` keeps the parent live and posts the timeline as one
   * reply at hang-up (3 Slack calls a call); `live` posts each milestone as it happens (4 for calls
   * longer than the pacing interval). The agent watchdog's warning is posted at once either way.
   */
  inboundThread: 'compact' | 'live';
  /** Seals secrets stored in the database (SECRETS_KEY); without it no digest password can be stored. */
  secretsKey?: SecretKey;
  /** The key before a rotation (SECRETS_KEY_PREVIOUS): read only, values are re-sealed at start. */
  secretsKeyPrevious?: SecretKey;
  /** Sinch Elastic SIP Trunking access; `credentials` is absent when no Access Key is configured. */
  sinch: SinchConfig;
}

export interface SinchConfig {
  credentials?: { projectId: string; keyId: string; keySecret: string };
  /** Base URLs without a trailing slash. */
  estApiUrl: string;
  numbersApiUrl: string;
  authUrl: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  // Empty strings count as unset, as shells and .env files commonly produce them.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  // Socket Mode (SLACK_APP_TOKEN) receives over a WebSocket the app opened itself: nothing to verify a signature on.
  const schema = cleaned.SLACK_APP_TOKEN
    ? EnvSchema.extend({ SLACK_SIGNING_SECRET: signingSecret.optional() })
    : EnvSchema;
  const parsed = schema.safeParse(cleaned);
  const placeholders = placeholderSecretProblems(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = i.path.join('.') || '(environment)';
      return `${name}: ${i.message}`;
    });
    return { ok: false, problems: [...new Set([...problems, ...placeholders])] };
  }
  if (placeholders.length) return { ok: false, problems: placeholders };
  const e = parsed.data;
  if (e.SECRETS_KEY_PREVIOUS && !e.SECRETS_KEY) {
    return {
      ok: false,
      problems: ['SECRETS_KEY_PREVIOUS: set SECRETS_KEY (the new key) too; the previous key is only read'],
    };
  }
  const ssl = isPostgresUrl(e.DATABASE_URL) ? pgSslMode(e.DATABASE_URL, e.PGSSLMODE) : undefined;
  if (ssl && !ssl.ok) return { ok: false, problems: [`DATABASE_URL: ${ssl.error}`] };
  const missingSinch = SINCH_KEY_VARIABLES.filter((k) => e[k] === undefined);
  if (missingSinch.length > 0 && missingSinch.length < SINCH_KEY_VARIABLES.length) {
    return {
      ok: false,
      problems: [
        `${missingSinch.join(', ')}: required together with the other SINCH_* access key variables ` +
          `(set SINCH_PROJECT_ID, SINCH_KEY_ID and SINCH_KEY_SECRET, or none of them)`,
      ],
    };
  }
  const config: Config = {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/` } : {}),
    },
    livekit: { url: e.LIVEKIT_URL, apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET },
    database: isPostgresUrl(e.DATABASE_URL)
      ? {
          engine: 'postgres',
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
          sslMode: ssl?.ok ? ssl.mode : 'disable',
        }
      : { engine: 'sqlite', path: e.DATABASE_URL.replace(/^sqlite:/, '') },
    changeLeaseMs: e.CHANGE_LEASE_MS,
    port: e.PORT,
    ...(e.HOST ? { host: e.HOST } : {}),
    logLevel: e.LOG_LEVEL,
    summary: {
      cron: e.SUMMARY_CRON,
      timezone: e.SUMMARY_TZ,
      ...(e.SUMMARY_CHANNEL ? { channel: e.SUMMARY_CHANNEL } : {}),
      trendDays: e.SUMMARY_TREND_DAYS,
      leaseMs: e.SUMMARY_LEASE_MS,
    },
    ...(e.EXPORT_TOKEN ? { exportToken: e.EXPORT_TOKEN } : {}),
    adminUserIds: e.ADMIN_USER_IDS,
    testCall: {
      channelIds: e.TEST_CALL_CHANNEL_IDS,
      ...(e.TEST_CALL_USER_IDS ? { userIds: e.TEST_CALL_USER_IDS } : {}),
      allowedPrefixes: e.TEST_CALL_ALLOWED_PREFIXES,
    },
    agentJoinTimeoutSec: e.AGENT_JOIN_TIMEOUT_SEC,
    inboundThread: e.INBOUND_THREAD,
    ...(e.SECRETS_KEY ? { secretsKey: e.SECRETS_KEY } : {}),
    ...(e.SECRETS_KEY_PREVIOUS ? { secretsKeyPrevious: e.SECRETS_KEY_PREVIOUS } : {}),
    sinch: {
      ...(e.SINCH_PROJECT_ID && e.SINCH_KEY_ID && e.SINCH_KEY_SECRET
        ? { credentials: { projectId: e.SINCH_PROJECT_ID, keyId: e.SINCH_KEY_ID, keySecret: e.SINCH_KEY_SECRET } }
        : {}),
      estApiUrl: e.SINCH_EST_API_URL,
      numbersApiUrl: e.SINCH_NUMBERS_API_URL,
      authUrl: e.SINCH_AUTH_URL,
    },
  };
  return { ok: true, config };
}

/** The variable names the service reads, for the README and the start-up error. */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape);
