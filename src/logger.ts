import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object. Secrets must never reach
 * logs: Slack tokens and signing secret, the LiveKit secret, the Sinch key secret, digest passwords, and
 * the Authorization headers of incoming requests.
 */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'apiSecret',
  'secret',
  'password',
  'authPassword',
  'auth_password',
  'digestPassword',
  'authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.apiSecret',
  '*.secret',
  '*.password',
  '*.authPassword',
  '*.auth_password',
  '*.digestPassword',
  '*.authorization',
  '*.*.token',
  '*.*.botToken',
  '*.*.signingSecret',
  '*.*.apiSecret',
  '*.*.password',
  '*.*.authPassword',
  '*.*.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'headers.authorization',
  'config.slack.botToken',
  'config.slack.signingSecret',
  'config.slack.appToken',
  'config.livekit.apiSecret',
  'keySecret',
  '*.keySecret',
  '*.*.keySecret',
  'config.sinch.credentials.keySecret',
  'spec.auth.password',
  'auth.password',
];

export interface LoggerOptions {
  level: string;
  /** Pretty output for humans; defaults to "stdout is a TTY". */
  pretty?: boolean;
  destination?: DestinationStream;
  /** Literal secret values to scrub from free-text messages too (e.g. a token echoed in an error). */
  secrets?: string[];
}

export function createLogger(opts: LoggerOptions): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 6);
  const scrub = (s: string): string => secrets.reduce((acc, sec) => acc.split(sec).join('[redacted]'), s);
  const base: pino.LoggerOptions = {
    level: opts.level,
    base: { service: 'sip-ops' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((a) => (typeof a === 'string' ? scrub(a) : a));
        method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
    formatters: secrets.length
      ? {
          log(obj) {
            return JSON.parse(
              scrub(JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))),
            ) as Record<string, unknown>;
          },
        }
      : {},
  };
  if (opts.destination) return pino(base, opts.destination);
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  return pino(base);
}

const BOLT_TO_PINO: Record<LogLevel, string> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/** Bolt's Logger interface over a pino child logger. */
export function toBoltLogger(base: Logger, name = 'bolt'): BoltLogger {
  let log = base.child({ component: name });
  let level: LogLevel = LogLevel.INFO;
  const emit =
    (lvl: 'debug' | 'info' | 'warn' | 'error') =>
    (...msgs: unknown[]): void => {
      const err = msgs.find((m): m is Error => m instanceof Error);
      const text = msgs
        .filter((m) => m !== err)
        .map((m) => (typeof m === 'string' ? m : safeStringify(m)))
        .join(' ');
      if (err) log[lvl]({ err }, text || err.message);
      else log[lvl](text);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    setLevel: (l: LogLevel) => {
      level = l;
      // Never make Bolt chattier than the service's own level.
      const wanted = BOLT_TO_PINO[l];
      if (base.levels.values[wanted]! >= base.levels.values[base.level]!) log.level = wanted;
    },
    getLevel: () => level,
    setName: (n: string) => {
      log = base.child({ component: n });
    },
  };
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}

/** Map the service level to Bolt's nearest level (Bolt resets a custom logger's level otherwise). */
export function boltLogLevel(level: string): LogLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return LogLevel.DEBUG;
    case 'info':
      return LogLevel.INFO;
    case 'warn':
      return LogLevel.WARN;
    default:
      return LogLevel.ERROR;
  }
}
