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
});
