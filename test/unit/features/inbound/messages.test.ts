import { packReplies } from '../../../../src/features/inbound/messages';

describe('packReplies', () => {
  const a = { key: 'started', content: { text: 'a'.repeat(10) } };
  const b = { key: 'joined:AG', content: { text: 'b'.repeat(10) } };
  const c = { key: 'ended', content: { text: 'c'.repeat(10) } };

  it('joins replies due together into as few as fit, in order, naming the milestones each carries', () => {
    expect(packReplies([a, b, c], 100)).toEqual([{ keys: ['started', 'joined:AG', 'ended'], content: { text: `${a.content.text}\n${b.content.text}\n${c.content.text}` } }]);
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
    expect(packReplies([a, withBlocks, b], 100).map((r) => r.keys)).toEqual([['started'], ['agent-missing'], ['joined:AG']]);
  });
});
