/**
 * Text users typed must never become mentions, links or formatting in Slack messages.
 * Slack's own escaping covers &, < and >; that alone defeats <!channel>, <@U…> and <http://…|x>.
 * Formatting characters are neutralized with a zero-width joiner so *bold* or `code` stays literal.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([*_~`])/g, '\u200B$1');
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
