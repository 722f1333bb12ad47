import { channelRef, code, escapeMrkdwn, slackDate, userRef } from '../../../src/slack/mrkdwn';

const ZWSP = '\u200B';

describe('escapeMrkdwn', () => {
  it('escapes &, < and > the way Slack does, so no mention, broadcast or link survives', () => {
    expect(escapeMrkdwn('<!channel> <@U123ABC> <http://evil.example|click> a&b')).toBe(
      '&lt;!channel&gt; &lt;@U123ABC&gt; &lt;http://evil.example|click&gt; a&amp;b',
    );
  });

  it('escapes & first, so an already escaped entity stays visible as typed', () => {
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
  });

  it('inserts nothing else: IDs with underscores copy back exactly (no zero-width space)', () => {
    expect(escapeMrkdwn('ST_abc123 SDR_x_y *bold* ~s~ `c`')).toBe('ST_abc123 SDR_x_y *bold* ~s~ `c`');
    expect(escapeMrkdwn('SDR_bravo')).not.toContain(ZWSP);
  });

  it('leaves plain text and the empty string alone', () => {
    expect(escapeMrkdwn('acme-us +1 415 555 0100')).toBe('acme-us +1 415 555 0100');
    expect(escapeMrkdwn('')).toBe('');
  });
});

describe('code', () => {
  it('wraps the value in backticks with &, < and > escaped', () => {
    expect(code('sip.example.com:5061/TLS')).toBe('`sip.example.com:5061/TLS`');
    expect(code('<!here> & co')).toBe('`&lt;!here&gt; &amp; co`');
  });

  it('turns backticks inside into quotes so the value cannot end the code span', () => {
    expect(code('a`b`*c*')).toBe("`a'b'*c*`");
  });

  it('shows an empty value as (empty)', () => {
    expect(code('')).toBe('`(empty)`');
  });
});

describe('channelRef and userRef', () => {
  it.each(['C0123ABC', 'G0123ABC', 'D0123ABC'])('channel ID %s becomes a channel link', (id) => {
    expect(channelRef(id)).toBe(`<#${id}>`);
  });

  it.each(['U0123ABC', 'W0123ABC'])('user ID %s becomes a mention', (id) => {
    expect(userRef(id)).toBe(`<@${id}>`);
  });

  it('anything that is not an ID is escaped text, never a link or mention', () => {
    expect(channelRef('general')).toBe('general');
    expect(channelRef('C0123ABC>|<!channel')).toBe('C0123ABC&gt;|&lt;!channel');
    expect(channelRef('c0123abc')).toBe('c0123abc');
    expect(channelRef('U0123ABC')).toBe('U0123ABC');
    expect(userRef('U0123ABC> <!here')).toBe('U0123ABC&gt; &lt;!here');
    expect(userRef('C0123ABC')).toBe('C0123ABC');
    expect(userRef('*admin*')).toBe('*admin*');
    expect(userRef('')).toBe('');
  });
});

describe('slackDate', () => {
  it("uses Slack's date token so each reader sees their own zone, with a UTC fallback", () => {
    const at = Date.UTC(2024, 4, 2, 9, 0, 5);
    expect(slackDate(new Date(at))).toBe('<!date^1714640405^{date_short_pretty} {time}|2024-05-02 09:00 UTC>');
    expect(slackDate(at, { seconds: true })).toBe(
      '<!date^1714640405^{date_short_pretty} {time_secs}|2024-05-02 09:00:05 UTC>',
    );
  });
});
