import { join } from 'node:path';
import type { AppDeps } from '../../src/features/feature';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { ADMIN_USER, OPS_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { bindingForm, submitCreateForm } from '../support/binding-form';
import { databaseFileText } from '../support/db-file';
import { renderBlocks, unescapeSlack } from '../support/slack-render';

/**
 * Digest passwords at rest, through `/sip-setup` on the real service: sealed with SECRETS_KEY (the
 * database file holds no plain password), refused with a message naming SECRETS_KEY without one.
 */

const PASSWORD = 'At-Rest-Pa55word-0427';
const features = (deps: AppDeps) => [
  sipSetupFeature(deps, { lookupIpv4: async () => '203.0.113.7', recoveryRetryMs: 200 }),
];

async function progressText(h: Harness, re: RegExp): Promise<string> {
  return eventually(
    () =>
      h.slack
        .topLevel(OPS_CHANNEL)
        .map((m) => unescapeSlack(renderBlocks(m.blocks ?? [])))
        .find((t) => re.test(t)),
    8000,
    `a message matching ${re}`,
  );
}

describe('digest passwords at rest', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('with SECRETS_KEY: LiveKit gets the password, the database file does not hold it', async () => {
    h = await startHarness({ features });
    const res = await submitCreateForm(
      h.client,
      bindingForm({ authKind: 'digest', digestUsername: 'est-user', digestPassword: PASSWORD }),
      { user: ADMIN_USER },
    );
    expect(res.body).toEqual({ response_action: 'clear' });
    await progressText(h, /Binding .acme-us. created/);
    expect(h.livekit.outboundTrunks()[0]!.authPassword).toBe(PASSWORD);
    expect((await h.deps.repos.bindings.get('acme-us'))?.auth).toMatchObject({ password: PASSWORD });
    await h.stopService();
    const file = join(h.dataDir, 'sip-ops.db');
    const bytes = databaseFileText(file);
    expect(bytes).toContain('est-user');
    expect(bytes).not.toContain(PASSWORD);

    // the wrong key stops the start with a message naming SECRETS_KEY; the old one as SECRETS_KEY_PREVIOUS re-seals
    const other = Buffer.alloc(32, 9).toString('base64');
    await expect(startHarness({ features, dataDir: h.dataDir, env: { SECRETS_KEY: other } })).rejects.toThrow(
      /cannot be read.*SECRETS_KEY/,
    );
    const rotated = await startHarness({
      features,
      dataDir: h.dataDir,
      env: { SECRETS_KEY: other, SECRETS_KEY_PREVIOUS: h.env.SECRETS_KEY },
    });
    expect((await rotated.deps.repos.bindings.get('acme-us'))?.auth).toMatchObject({ password: PASSWORD });
    await rotated.stop();
    const afterRotation = await startHarness({ features, dataDir: h.dataDir, env: { SECRETS_KEY: other } });
    expect((await afterRotation.deps.repos.bindings.get('acme-us'))?.auth).toMatchObject({ password: PASSWORD });
    await afterRotation.stop();
  });

  it('without SECRETS_KEY: a digest binding is refused on the form, before LiveKit is touched, with a message naming SECRETS_KEY', async () => {
    h = await startHarness({ features, env: { SECRETS_KEY: undefined } });
    const res = await submitCreateForm(
      h.client,
      bindingForm({ authKind: 'digest', digestUsername: 'est-user', digestPassword: PASSWORD }),
      { user: ADMIN_USER },
    );
    const body = res.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.digestPassword).toMatch(/SECRETS_KEY is not set/);
    expect(JSON.stringify(body)).not.toContain(PASSWORD);
    expect(h.livekit.countCalls()).toBe(0);
    expect(await h.deps.repos.bindings.get('acme-us')).toBeUndefined();
    // An ACL binding still works without the key.
    const acl = await submitCreateForm(h.client, bindingForm({ name: 'acme-acl' }), { user: ADMIN_USER });
    expect(acl.body).toEqual({ response_action: 'clear' });
    await progressText(h, /Binding .acme-acl. created/);
  });
});
