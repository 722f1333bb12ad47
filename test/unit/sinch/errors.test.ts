import { scrubSecrets, sinchErrorForStatus } from '../../../src/sinch/errors';
import { parseRetryAfter } from '../../../src/sinch/token';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('reads delta-seconds and HTTP dates; ignores junk', () => {
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('scrubSecrets', () => {
  it('removes literal secrets and bearer tokens, one line', () => {
    expect(scrubSecrets('key s3cr3t-value\nwith Bearer abc.def-ghi', ['s3cr3t-value'])).toBe(
      'key [redacted] with Bearer [redacted]',
    );
  });
});

describe('sinchErrorForStatus', () => {
  it.each([
    [400, 'invalid-request'],
    [401, 'bad-key'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'conflict'],
    [422, 'invalid-request'],
    [429, 'rate-limited'],
    [500, 'unavailable'],
    [503, 'unavailable'],
    [418, 'unexpected'],
  ])('%d → %s', (status, kind) => {
    const e = sinchErrorForStatus(status, 'DETAIL', { operation: 'GET /trunks' });
    expect(e.kind).toBe(kind);
    expect(e.message).toContain('on GET /trunks');
    expect(e.message).toContain(`HTTP ${status}: DETAIL`);
  });
});
