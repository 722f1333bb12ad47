/**
 * The "30-day chart" button (on `/sip-setup show <name>` and on each binding in the App Home). It
 * carries the binding's identity (`Binding.id`); the trends feature answers presses of it.
 */
import { TREND_CHART_ACTION } from './action-ids';
import type { Button } from './block-kit';

/** Days in the per-binding chart. */
export const BINDING_CHART_DAYS = 30;

/** The button, for a binding's message or Home entry. */
export function bindingChartButton(bindingId: string): Button {
  return {
    type: 'button',
    action_id: TREND_CHART_ACTION,
    text: { type: 'plain_text', text: `${BINDING_CHART_DAYS}-day chart` },
    value: bindingId,
  };
}
