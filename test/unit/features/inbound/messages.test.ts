import { packReplies, unboundMessage } from '../../../../src/features/inbound/messages';
import { code, codeContent } from '../../../../src/slack/mrkdwn';
import { inboundRoom } from '../../../support/builders';

describe('packReplies', () => {
  const a = { key: 'started', content: { text: 'a'.repeat(10) } };
  const b = { key: 'joined:AG', content: { text: 'b'.repeat(10) } };
  const c = { key: 'ended', content: { text: 'c'.repeat(10) } };

  it('joins replies due together into as few as fit, in order, naming the milestones each carries', () => {
    expect(packReplies([a, b, c], 100)).toEqual([
      {
        keys: ['started', 'joined:AG', 'ended'],
        content: { text: `${a.content.text}\n${b.content.text}\n${c.content.text}` },
      },
    ]);
    // 10 + 1 + 10 = 21 fits in 21; the third would not.
    expect(packReplies([a, b, c], 21)).toEqual([
      { keys: ['started', 'joined:AG'], content: { text: `${a.content.text}\n${b.content.text}` } },
      { keys: ['ended'], content: c.content },
    ]);
    expect(packReplies([], 100)).toEqual([]);
    // The inputs are not changed.
    expect(a.content.text).toBe('a'.repeat(10));
  });

  it('leaves messages with blocks on their own', () => {
    const withBlocks = { key: 'agent-missing', content: { text: 'x', blocks: [{ type: 'divider' as const }] } };
    expect(packReplies([a, withBlocks, b], 100).map((r) => r.keys)).toEqual([
      ['started'],
      ['agent-missing'],
      ['joined:AG'],
    ]);
  });
});

describe('unboundMessage', () => {
  const hostile = ['<!channel>', '`rm -rf`', '*bold*', '<https://evil.example|click>', '&lt;'];

  it.each(hostile)('keeps a hostile trunk or rule ID (%s) from becoming a mention, link or formatting', (value) => {
    const { view } = inboundRoom({ attrs: { 'sip.trunkID': `ST_${value}`, 'sip.ruleID': `SDR_${value}` } });
    const { text } = unboundMessage(view, `ST_${value}`);
    // Nothing Slack would act on survives: no raw angle brackets, and every ID stays inside its code span.
    expect(text).not.toContain(value.includes('<') ? value : '\u0000');
    // (Slack's own date token `<!date^…>` is the one `<!` the bot writes.)
    expect(text).not.toMatch(/<(?!!date\^\d+\^)[!@#]|<https?:/);
    expect(text).toContain(code(`ST_${value}`));
    expect(text).toContain(code(`SDR_${value}`));
    expect(text).toContain(`inbound=${codeContent(`ST_${value}`)} rule=${codeContent(`SDR_${value}`)} outbound=ST_…\``);
    // Every code span opened is closed on its line: a backtick in an ID cannot end one early.
    for (const line of text.split('\n')) expect((line.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it('shows plain IDs unchanged, ready to copy into /sip-setup import', () => {
    const { view } = inboundRoom();
    expect(unboundMessage(view, 'ST_trunk0001').text).toContain(
      '`/sip-setup import <name> inbound=ST_trunk0001 rule=SDR_rule0001 outbound=ST_…`',
    );
  });
});
