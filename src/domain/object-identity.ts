/**
 * A button or dialog acts only on the object it was shown for. It names the object by an identity
 * that is never reused (and, where it guards an edit, by a version); before acting, the object
 * found under that identity is checked here. Pure.
 */

/** What a button or dialog carries about its object. */
export interface ExpectedObject {
  id: string;
  /** Set when the action guards an edit: the version it was shown. */
  version?: number;
}

/** What the store knows about an identity now. */
export type ObjectLookup =
  | { state: 'live'; id: string; name: string; version: number }
  | { state: 'deleted'; id: string; name: string; deletedAt: string }
  | { state: 'unknown' };

export interface IdentityContext {
  /** What the object is, for the message: `binding`. */
  kind: string;
  /** What the person clicked: `dialog` or `button`. */
  surface: 'dialog' | 'button';
  /** The command that shows the object again, given its name: ``(name) => `/sip-setup ${name}` ``. */
  reopen: (name: string) => string;
}

export type IdentityCheck = { ok: true } | { ok: false; reason: 'deleted' | 'unknown' | 'changed'; message: string };

/** `2026-12-02T12:47:39.123Z` → `2026-12-02 12:47 UTC`. */
function when(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** Object names shown in the message are slugs; anything else is shown without mrkdwn meaning. */
function quoted(name: string): string {
  return `\`${name.replace(/[`<>&]/g, '')}\``;
}

/** Whether `actual` is the object `expected` names (same identity, and the same version when one is expected). */
export function checkObjectIdentity(
  expected: ExpectedObject,
  actual: ObjectLookup,
  ctx: IdentityContext,
): IdentityCheck {
  const again = (name: string): string => `; open \`${ctx.reopen(name)}\` again.`;
  if (actual.state === 'unknown') {
    return {
      ok: false,
      reason: 'unknown',
      message: `⚠️ This ${ctx.surface} was for a ${ctx.kind} that no longer exists. Nothing was changed.`,
    };
  }
  if (actual.state === 'deleted' || actual.id !== expected.id) {
    const name = actual.name;
    const deleted =
      actual.state === 'deleted' ? ` that was deleted on ${when(actual.deletedAt)}` : ' that no longer exists';
    return {
      ok: false,
      reason: 'deleted',
      message: `⚠️ This ${ctx.surface} was for a ${ctx.kind} ${quoted(name)}${deleted}${again(name)} Nothing was changed.`,
    };
  }
  if (expected.version !== undefined && actual.version !== expected.version) {
    return {
      ok: false,
      reason: 'changed',
      message: `⚠️ This ${ctx.surface} was for version ${expected.version} of ${ctx.kind} ${quoted(actual.name)}, which has been changed since (now version ${actual.version})${again(actual.name)} Nothing was changed.`,
    };
  }
  return { ok: true };
}
