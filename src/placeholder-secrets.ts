/**
 * Every secret value shipped in this repository (.env.example, deploy/*, docker-compose.yml,
 * deploy/kubernetes/*). They are public, so a service started with one accepts requests forged with
 * it: start-up refuses them. test/unit/placeholder-secrets.test.ts checks every example file uses only
 * values listed here.
 */
export const PLACEHOLDER_SECRETS: Readonly<Record<string, readonly string[]>> = {
  SLACK_BOT_TOKEN: ['xoxb-replace-me'],
  SLACK_SIGNING_SECRET: ['replace-me-with-the-signing-secret'],
  SLACK_APP_TOKEN: ['xapp-replace-me'],
  // `secret` is the pair `livekit-server --dev` uses (devkey: secret).
  LIVEKIT_API_SECRET: ['change-me-use-openssl-rand-base64-32-for-a-real-secret', 'secret'],
};

/** One problem line per secret variable set to a shipped placeholder (the value itself is never echoed). */
export function placeholderSecretProblems(env: Record<string, string | undefined>): string[] {
  return Object.entries(PLACEHOLDER_SECRETS)
    .filter(([name, values]) => {
      const v = env[name]?.trim();
      return v !== undefined && values.includes(v);
    })
    .map(([name]) => `${name}: is the example value shipped in this repository; set the real secret`);
}

/** Settings that, left empty, close a feature to everyone: worth a warning at start, not a refusal. */
export function emptyAccessWarnings(c: {
  adminUserIds: string[];
  testCall: { channelIds: string[]; allowedPrefixes: string[] };
}): string[] {
  const out: string[] = [];
  if (c.adminUserIds.length === 0)
    out.push('ADMIN_USER_IDS is empty: nobody can create, change, import or delete bindings');
  if (c.testCall.channelIds.length === 0)
    out.push('TEST_CALL_CHANNEL_IDS is empty: /sip-test-call is closed in every channel');
  if (c.testCall.allowedPrefixes.length === 0)
    out.push('TEST_CALL_ALLOWED_PREFIXES is empty: test calls cannot dial any number');
  return out;
}
