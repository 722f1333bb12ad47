import type { BlockAction, ButtonAction } from '@slack/bolt';
import { pressKey } from '../../../src/slack/press-key';
import { blockAction } from '../../support/slack-request';

const press = (
  over: { user?: string; value?: string; messageTs?: string } = {},
): { body: BlockAction; action: ButtonAction } => {
  const body = blockAction({
    actionId: 'test_call_again',
    value: over.value ?? '{"b":"acme"}',
    user: over.user ?? 'U1',
    channel: 'CSUPPORT1',
    messageTs: over.messageTs ?? '1700000000.000100',
  }) as unknown as BlockAction;
  return { body, action: body.actions[0] as ButtonAction };
};

describe('pressKey', () => {
  it('is the same for the same payload (a Slack retry or a replay) and holds no payload text', () => {
    const p = press();
    const copy = JSON.parse(JSON.stringify(p.body)) as BlockAction;
    expect(pressKey(copy, copy.actions[0] as ButtonAction)).toBe(pressKey(p.body, p.action));
    expect(pressKey(p.body, p.action)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for another press: its own action_ts, another user, value or message', () => {
    const base = press();
    const key = pressKey(base.body, base.action);
    expect(pressKey(base.body, { ...base.action, action_ts: `${base.action.action_ts}1` })).not.toBe(key);
    for (const other of [
      press({ user: 'U2' }),
      press({ value: '{"b":"beta"}' }),
      press({ messageTs: '1700000000.000200' }),
    ]) {
      expect(pressKey(other.body, { ...other.action, action_ts: base.action.action_ts })).not.toBe(key);
    }
  });
});
