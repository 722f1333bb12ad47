import { packReplies } from '../../src/features/inbound/messages';

describe('packReplies', () => {
  it('joins replies due together into as few as fit, in order, and leaves block messages alone', () => {
    const a = { text: 'a'.repeat(10) };
    const b = { text: 'b'.repeat(10) };
    const c = { text: 'c'.repeat(10) };
    expect(packReplies([a, b, c], 100)).toEqual([{ text: `${a.text}\n${b.text}\n${c.text}` }]);
    // 10 + 1 + 10 = 21 fits in 21; the third would not.
    expect(packReplies([a, b, c], 21)).toEqual([{ text: `${a.text}\n${b.text}` }, c]);
    const withBlocks = { text: 'x', blocks: [{ type: 'divider' as const }] };
    expect(packReplies([a, withBlocks, b], 100)).toEqual([a, withBlocks, b]);
    expect(packReplies([], 100)).toEqual([]);
    // The inputs are not changed.
    expect(a.text).toBe('a'.repeat(10));
  });
});
