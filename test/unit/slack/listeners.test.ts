import type { App } from '@slack/bolt';
import { SlackListeners } from '../../../src/slack/listeners';

describe('SlackListeners', () => {
  it('refuses a second handler for the same command, action or view', () => {
    const l = new SlackListeners();
    const noop = async () => undefined;
    l.command('/sip-setup', noop);
    l.action('run_again', noop);
    l.view('binding_modal', noop);
    expect(() => l.command('/sip-setup', noop)).toThrow('command /sip-setup has two handlers');
    expect(() => l.action('run_again', noop)).toThrow('action run_again has two handlers');
    expect(() => l.view('binding_modal', noop)).toThrow('view binding_modal has two handlers');
    // The same name in another kind is a different thing.
    expect(() => l.action('/sip-setup', noop)).not.toThrow();
  });

  it('routes a menu option by value prefix to its own handler; other options go to the menu handler', async () => {
    const l = new SlackListeners();
    const seen: string[] = [];
    l.action('menu', async () => void seen.push('menu'));
    l.option('menu', 'chart:', async () => void seen.push('chart'));
    expect(() => l.option('menu', 'chart:', async () => undefined)).toThrow('option menu');
    expect(() => l.option('menu', '', async () => undefined)).toThrow('needs a value prefix');
    let middleware: ((args: unknown) => Promise<void>) | undefined;
    l.install({ use: (m: (args: unknown) => Promise<void>) => void (middleware = m) } as unknown as App);
    const send = (action: Record<string, unknown>) =>
      middleware!({ body: { type: 'block_actions' }, action, ack: async () => undefined, next: async () => undefined });
    await send({ action_id: 'menu', type: 'overflow', selected_option: { value: 'chart:b-1' } });
    await send({ action_id: 'menu', type: 'overflow', selected_option: { value: '{"a":"check"}' } });
    await send({ action_id: 'other', type: 'overflow', selected_option: { value: 'chart:b-1' } });
    await send({ action_id: 'menu', type: 'button', value: 'chart:b-1' });
    expect(seen).toEqual(['chart', 'menu', 'menu']);
  });
});
