/**
 * Block Kit action IDs that more than one feature uses: one feature puts the button on its
 * messages, another handles the click. An ID used by one feature only stays in that feature.
 */

/** "Check again" / "Run checks for this binding": a health run of one binding (value: `encodeBindingRef`, the binding by identity). Handled by the health feature; put on messages by health and test-call. */
export const CHECK_BINDING_ACTION = 'health_check_binding';

/** "30-day chart": one binding's chart sent privately to whoever pressed it (value: the binding's id, `Binding.id`). Handled by the trends feature; put on messages by sip-setup (`show`). On the App Home it is an option of `HOME_BINDING_ACTION` (src/slack/chart-button.ts). */
export const TREND_CHART_ACTION = 'trends_binding_chart';

/** "New binding" on the App Home tab: opens the create form. Put on the Home tab by health; handled by sip-setup. */
export const NEW_BINDING_ACTION = 'sip_setup_new_binding';

/** A binding's menu on the App Home tab ("Check now", "Test call", "30-day chart"); the option value names the binding by identity. Put on the Home tab and handled by health, except the "30-day chart" option (value prefix `CHART_OPTION_PREFIX`), handled by trends. */
export const HOME_BINDING_ACTION = 'home_binding_menu';
