/**
 * Text users typed must never become mentions or links in Slack messages. Slack's escaping rule
 * covers &, < and > only ("Escaping text" in Slack's formatting docs); that alone defeats <!channel>,
 * <@U…> and <http://…|x>. Nothing else is inserted, so what a user copies from a message is what was
 * stored (no invisible characters); IDs meant to be copied are shown with `code()`.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A value shown in code style; backticks inside are removed so it cannot break out. */
export function code(text: string): string {
  const t = codeContent(text);
  return t.length ? `\`${t}\`` : '`(empty)`';
}

/** What `code()` puts between the backticks: for a value inside a longer code span (a command to copy). */
export function codeContent(text: string): string {
  return text.replace(/`/g, "'").replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A channel reference Slack renders as a link, for IDs we validated ourselves. */
export function channelRef(channelId: string): string {
  return /^[CGD][A-Z0-9]+$/.test(channelId) ? `<#${channelId}>` : escapeMrkdwn(channelId);
}

/** A user mention, for IDs Slack gave us. */
export function userRef(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

/**
 * A time every reader sees in their own time zone: Slack's date formatting
 * `<!date^UNIX^{date_short_pretty} {time}|fallback>` (no extra scope needed). The fallback, shown where
 * Slack cannot render the token (notifications, old clients), is UTC: `2024-05-02 09:00 UTC`.
 * With `seconds`, `{time_secs}` and `2024-05-02 09:00:05 UTC`.
 */
export function slackDate(at: Date | number, opts: { seconds?: boolean } = {}): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  const iso = new Date(ms).toISOString();
  const clock = opts.seconds ? iso.slice(11, 19) : iso.slice(11, 16);
  const format = opts.seconds ? '{date_short_pretty} {time_secs}' : '{date_short_pretty} {time}';
  return `<!date^${Math.floor(ms / 1000)}^${format}|${iso.slice(0, 10)} ${clock} UTC>`;
}
