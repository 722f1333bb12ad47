import { Writable } from 'node:stream';
import { createLogger, toBoltLogger } from '../../src/logger';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const SECRETS = {
  botToken: 'xoxb-1111-2222-SECRETBOT',
  signingSecret: 'signing-SECRET-abcdef',
  apiSecret: 'livekit-SECRET-0123456789abcdef0123',
  password: 'digest-SECRET-pw',
};

describe('logger redaction', () => {
  it('censors secrets in structured fields at any usual depth', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info(
      {
        config: {
          slack: { botToken: SECRETS.botToken, signingSecret: SECRETS.signingSecret },
          livekit: { apiSecret: SECRETS.apiSecret },
        },
      },
      'config',
    );
    log.info(
      { spec: { name: 'acme', auth: { kind: 'digest', username: 'u', password: SECRETS.password } } },
      'binding',
    );
    log.info({ trunk: { authPassword: SECRETS.password }, headers: { authorization: 'Bearer abc.def.ghi' } }, 'trunk');
    const text = out.lines().join('\n');
    for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
    expect(text).not.toContain('abc.def.ghi');
    expect(text).toContain('[redacted]');
    expect(text).toContain('"name":"acme"');
  });

  it('scrubs known secret values from free text, including through the Bolt adapter', () => {
    const out = capture();
    const log = createLogger({ level: 'debug', destination: out.stream, secrets: Object.values(SECRETS) });
    log.error(`request failed with token ${SECRETS.botToken}`);
    log.warn({ detail: `secret was ${SECRETS.apiSecret}` }, 'oops');
    const bolt = toBoltLogger(log);
    bolt.error('bolt said', new Error(`bad auth ${SECRETS.signingSecret}`), { token: SECRETS.botToken });
    const text = out.lines().join('\n');
    for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
    expect(out.lines()).toHaveLength(3);
  });

  it('writes JSON lines by default', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info({ n: 1 }, 'hello');
    const parsed = JSON.parse(out.lines()[0]!) as { msg: string; n: number; service: string };
    expect(parsed).toMatchObject({ msg: 'hello', n: 1, service: 'sip-ops' });
  });
});
