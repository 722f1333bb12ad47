/** Slack limits that shape every message and view (slack-bolt.md §5), in one place. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  modalTitle: 24,
  modalSubmit: 24,
  modalClose: 24,
  privateMetadata: 3000,
  callbackId: 255,
  messageText: 4000,
  plainTextInputLabel: 2000,
  staticSelectOptions: 100,
  optionText: 75,
  /** An overflow or select option's value. */
  optionValue: 150,
  /** A view's JSON in `views.publish` / `views.open` / `views.update` (Slack: 250 KB). */
  viewBytes: 250_000,
  /** Undocumented cumulative block-text ceiling (msg_blocks_too_long); stay well below. */
  cumulativeBlockText: 11000,
} as const;

/** Cut `s` to `max` characters, ending with an ellipsis when cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 1) return s.slice(0, max);
  return `${s.slice(0, max - 1)}…`;
}
