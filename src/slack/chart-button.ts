/**
 * The "30-day chart" button (on `/sip-setup show <name>`) and the "30-day chart" option of each
 * binding's menu on the App Home. Both carry the binding's identity (`Binding.id`); the trends
 * feature answers them (the option through `SlackListeners.option`, by its value prefix, so the
 * health feature that draws the Home tab never handles it).
 */
import { HOME_BINDING_ACTION, TREND_CHART_ACTION } from './action-ids';
import type { Button } from './block-kit';

/** Days in the per-binding chart. */
export const BINDING_CHART_DAYS = 30;

const LABEL = `${BINDING_CHART_DAYS}-day chart`;

/** The menu the chart option sits in: a binding's menu on the App Home. */
export const CHART_OPTION_MENU = HOME_BINDING_ACTION;
/** The value prefix of the chart option (the binding's id follows). */
export const CHART_OPTION_PREFIX = 'chart:';

/** The button, for a binding's message. */
export function bindingChartButton(bindingId: string): Button {
  return {
    type: 'button',
    action_id: TREND_CHART_ACTION,
    text: { type: 'plain_text', text: LABEL },
    value: bindingId,
  };
}

/** The option, for a binding's menu on the App Home. */
export function bindingChartOption(bindingId: string): { text: { type: 'plain_text'; text: string }; value: string } {
  return { text: { type: 'plain_text', text: LABEL }, value: `${CHART_OPTION_PREFIX}${bindingId}` };
}

/** The binding id a chart button or chart option carries ('' when none). */
export function chartBindingId(action: { value?: string; selected_option?: { value?: string } }): string {
  const option = action.selected_option?.value;
  if (option !== undefined)
    return option.startsWith(CHART_OPTION_PREFIX) ? option.slice(CHART_OPTION_PREFIX.length) : '';
  return action.value ?? '';
}
