/**
 * Block Kit action IDs that more than one feature uses: one feature puts the button on its
 * messages, another handles the click. An ID used by one feature only stays in that feature.
 */

/** "Check again" / "Run checks for this binding": a health run of one binding (value: the binding name). Handled by the health feature; put on messages by health and test-call. */
export const CHECK_BINDING_ACTION = 'health_check_binding';
