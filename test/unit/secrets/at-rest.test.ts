import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_KEY_MESSAGE, SecretsAtRest, SecretsKeyError } from '../../../src/secrets/at-rest';
import { createRepos, openStore } from '../../../src/store';
import { databaseFileText } from '../../support/db-file';
import { bindingSpec } from '../../support/fixtures';
import { testKey } from './keys';

const PASSWORD = 'Pl41n-T3xt-Digest-Password';
const digest = bindingSpec({ name: 'acme-digest', auth: { kind: 'digest', username: 'acme', password: PASSWORD } });

describe('digest passwords at rest', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sip-ops-secrets-'));
    path = join(dir, 'db.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fileText = (): string => databaseFileText(path);

  it('the database file holds no plain password; the binding reads back with it', async () => {
    const store = await openStore(path);
    const repos = createRepos(store, new SecretsAtRest(testKey(1)));
    await repos.bindings.insert(digest, {}, 'U1');
    expect((await repos.bindings.get('acme-digest'))?.auth).toEqual({
      kind: 'digest',
      username: 'acme',
      password: PASSWORD,
    });
    const row = await store.db.selectFrom('bindings').select('digest_password').executeTakeFirstOrThrow();
    expect(row.digest_password).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    await store.close();
    expect(fileText()).toContain('acme-digest');
    expect(fileText()).not.toContain(PASSWORD);
  });

  it('without SECRETS_KEY a digest password is refused with a message naming SECRETS_KEY; ACL bindings are stored', async () => {
    const store = await openStore(path);
    const repos = createRepos(store);
    const err = await repos.bindings.insert(digest, {}, 'U1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretsKeyError);
    expect((err as Error).message).toBe(NO_KEY_MESSAGE);
    expect(NO_KEY_MESSAGE).toContain('SECRETS_KEY is not set');
    expect(await repos.bindings.count()).toBe(0);
    await repos.bindings.insert(bindingSpec({ name: 'acme-acl' }), {}, 'U1');
    expect(await repos.bindings.count()).toBe(1);
    await store.close();
  });

  it('rotation: with the old key as SECRETS_KEY_PREVIOUS, the start-up re-seal moves every value to the new key', async () => {
    const [oldKey, newKey] = [testKey(1), testKey(2)];
    let store = await openStore(path);
    await createRepos(store, new SecretsAtRest(oldKey)).bindings.insert(digest, {}, 'U1');
    await store.close();

    store = await openStore(path);
    const rotated = createRepos(store, new SecretsAtRest(newKey, oldKey));
    expect(await rotated.bindings.resealSecrets()).toBe(1);
    expect(await rotated.bindings.resealSecrets()).toBe(0);
    await store.close();

    store = await openStore(path);
    const newOnly = createRepos(store, new SecretsAtRest(newKey));
    expect((await newOnly.bindings.get('acme-digest'))?.auth).toMatchObject({ password: PASSWORD });
    await store.close();

    store = await openStore(path);
    const oldOnly = createRepos(store, new SecretsAtRest(oldKey));
    await expect(oldOnly.bindings.get('acme-digest')).rejects.toThrow(/cannot be read.*SECRETS_KEY/);
    await store.close();
  });

  it('a password stored in plain text by an older version is sealed at the next start with a key', async () => {
    let store = await openStore(path);
    await createRepos(store, new SecretsAtRest(testKey(1))).bindings.insert(digest, {}, 'U1');
    await store.db.updateTable('bindings').set({ digest_password: PASSWORD }).execute();
    const noKey = createRepos(store);
    expect((await noKey.bindings.get('acme-digest'))?.auth).toMatchObject({ password: PASSWORD });
    expect(await noKey.bindings.resealSecrets()).toBe(0);
    await store.close();

    store = await openStore(path);
    const repos = createRepos(store, new SecretsAtRest(testKey(1)));
    expect(await repos.bindings.resealSecrets()).toBe(1);
    expect((await repos.bindings.get('acme-digest'))?.auth).toMatchObject({ password: PASSWORD });
    await store.close();
    expect(fileText()).not.toContain(PASSWORD);
  });
});
