/**
 * How a button value or a modal's `private_metadata` names a binding: by its identity (never
 * reused), with the name for the message, and the version where the action guards an edit. A
 * payload is checked against what the store knows now before anything acts (issue 20): a binding
 * deleted, or deleted and re-created under the same name, is refused with a private message.
 */
import { checkObjectIdentity, type IdentityCheck, type ObjectLookup } from '../domain/object-identity';

/** What a payload carries about its binding (short keys: button values are limited to 2000 characters). */
export interface BindingRef {
  /** Binding name when the payload was made. */
  b: string;
  /** Binding identity. */
  bi: string;
  /** Version, when the action guards an edit. */
  v?: number;
}

export function encodeBindingRef(r: BindingRef): string {
  return JSON.stringify(r.v === undefined ? { b: r.b, bi: r.bi } : { b: r.b, bi: r.bi, v: r.v });
}

/** The reference in `value`, or undefined when it is not one (e.g. a bare name from an older version). */
export function decodeBindingRef(value: string | undefined): BindingRef | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value) as Partial<Record<keyof BindingRef, unknown>>;
    if (typeof v.b !== 'string' || typeof v.bi !== 'string' || v.bi.length === 0) return undefined;
    if (v.v !== undefined && (typeof v.v !== 'number' || !Number.isInteger(v.v))) return undefined;
    return { b: v.b, bi: v.bi, ...(typeof v.v === 'number' ? { v: v.v } : {}) };
  } catch {
    return undefined;
  }
}

/** The answer to a payload that names its object the way older versions did (no identity). */
export function olderPayload(surface: 'dialog' | 'button', again: string): string {
  return `⚠️ This ${surface} is from an older version of SIP Ops. Nothing was changed; run \`${again}\` again.`;
}

export interface BindingLookup {
  lookupIdentity(id: string): Promise<ObjectLookup>;
}

/**
 * Whether the binding `ref` names is still the one it was shown for (same identity, not deleted,
 * the same version when one is carried). The refusal names the command that shows it again.
 */
export async function checkBindingRef(
  bindings: BindingLookup,
  ref: BindingRef,
  surface: 'dialog' | 'button',
  reopen: (name: string) => string = (name) => `/sip-setup ${name}`,
): Promise<IdentityCheck> {
  const lookup = await bindings.lookupIdentity(ref.bi);
  return checkObjectIdentity({ id: ref.bi, ...(ref.v !== undefined ? { version: ref.v } : {}) }, lookup, {
    kind: 'binding',
    surface,
    reopen,
  });
}
