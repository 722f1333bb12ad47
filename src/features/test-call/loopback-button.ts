/** The "Loopback" button (beside "Call again" and under a loopback's result) and what it carries. */
import type { Button } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';

export const LOOPBACK_ACTION = 'test_call_loopback';

/** Binding name, binding id (never reused) and the DID ('' = the binding's first DID). */
export interface LoopbackValue {
  b: string;
  bi: string;
  d: string;
}

export function loopbackButton(p: { binding: string; bindingId: string; did?: string }): Button {
  const v: LoopbackValue = { b: p.binding, bi: p.bindingId, d: p.did ?? '' };
  return {
    type: 'button',
    action_id: LOOPBACK_ACTION,
    text: { type: 'plain_text', text: 'Loopback' },
    value: truncate(JSON.stringify(v), LIMITS.buttonValue),
  };
}

export function decodeLoopbackValue(value: string | undefined): LoopbackValue | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value) as Partial<Record<keyof LoopbackValue, unknown>>;
    if (typeof v.b !== 'string' || typeof v.bi !== 'string' || typeof v.d !== 'string') return undefined;
    return { b: v.b, bi: v.bi, d: v.d };
  } catch {
    return undefined;
  }
}
