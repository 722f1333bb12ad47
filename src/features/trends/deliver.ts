/**
 * Where charts and exports go in Slack.
 *
 * - Into the daily summary's thread: the chart, or, when it cannot be drawn or uploaded, a short
 *   note (the text summary above is complete either way).
 * - Privately to one person: a message to the person's user ID lands in the DM between the app and
 *   that person (Slack's chat.postMessage: "pass a user ID as channel"; needs only `chat:write`)
 *   and its answer names that DM's channel ID (D…), which `files.completeUploadExternal` then
 *   shares the file into. No `im:write` (conversations.open) is needed.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { uploadFile, type FileUpload, type UploadError } from '../../slack/file-upload';
import { renderChart, type ChartDeps } from './trend-chart';

export type Delivered = { ok: true } | { ok: false; reason: string };

function uploadReason(e: UploadError): string {
  return e.code === 'missing_scope'
    ? 'the app lacks the files:write scope (reinstall it from manifest.yml)'
    : `Slack refused the upload (${e.code})`;
}

/** Posts `text` in the person's DM with the app, then shares the file there. */
export async function sendPrivately(
  client: WebClient,
  user: string,
  text: string,
  file: Omit<FileUpload, 'channelId' | 'threadTs'>,
): Promise<Delivered> {
  let dm: string | undefined;
  try {
    const r = await client.chat.postMessage({ channel: user, text, unfurl_links: false, unfurl_media: false });
    dm = r.channel;
  } catch (err) {
    return {
      ok: false,
      reason: `could not message you (${(err as { data?: { error?: string } }).data?.error ?? 'network'})`,
    };
  }
  if (!dm) return { ok: false, reason: 'Slack did not say which DM the message went to' };
  const up = await uploadFile(client, { ...file, channelId: dm });
  return up.ok ? { ok: true } : { ok: false, reason: uploadReason(up.error) };
}

/** A binding's chart of the last `days` days, to one person privately. */
export async function sendBindingChart(
  d: ChartDeps,
  client: WebClient,
  user: string,
  bindingName: string,
  days: number,
): Promise<Delivered> {
  const chart = await renderChart(d, { days, bindingName });
  if (!chart.ok) return chart;
  const { image, filename, title, altText } = chart.value;
  return sendPrivately(client, user, `📈 ${title}`, { data: image.png, filename, title, altText });
}

/** The chart of the summary's window into the summary's thread; a note there when it fails. Never throws. */
export async function postSummaryChart(
  d: ChartDeps,
  client: WebClient,
  logger: Logger,
  parent: { channel: string; ts: string },
): Promise<void> {
  const days = d.config.summary.trendDays;
  const chart = await renderChart(d, { days });
  let reason: string;
  if (chart.ok) {
    const { image, filename, title, altText } = chart.value;
    const up = await uploadFile(client, {
      data: image.png,
      filename,
      title,
      altText,
      channelId: parent.channel,
      threadTs: parent.ts,
    });
    if (up.ok) {
      logger.info(
        { renderMs: Math.round(image.renderMs), bytes: image.png.length },
        'health: trend chart posted in the summary thread',
      );
      return;
    }
    reason = uploadReason(up.error);
    logger.warn({ step: up.error.step, code: up.error.code }, 'health: the trend chart could not be uploaded');
  } else {
    reason = chart.reason;
    logger.warn({ reason }, 'health: the trend chart could not be rendered');
  }
  try {
    await client.chat.postMessage({
      channel: parent.channel,
      thread_ts: parent.ts,
      text: `📉 No trend chart this time: ${reason}. The summary above is complete.`,
      unfurl_links: false,
      unfurl_media: false,
    });
  } catch (err) {
    logger.warn({ err }, 'health: could not post the chart note');
  }
}
