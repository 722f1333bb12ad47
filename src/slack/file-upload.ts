/**
 * Uploading a file to Slack with the external upload flow that replaced `files.upload`
 * (what the SDK's `files.uploadV2` does), step by step so that each failure is typed:
 *
 * 1. `files.getUploadURLExternal` (filename, length, alt_txt) → `upload_url`, `file_id`;
 * 2. POST the raw bytes to `upload_url` (HTTP 200 on success);
 * 3. `files.completeUploadExternal` (files = [{ id, title }], channel_id, thread_ts,
 *    initial_comment) shares it; without `channelId` the file stays private to the bot.
 *
 * Needs the bot scope `files:write`. Never throws: every outcome is a `Result`.
 */
import type { WebClient } from '@slack/web-api';
import { classifySlackError, isSlackAnswer } from './errors';

export interface FileUpload {
  data: Buffer;
  filename: string;
  title?: string;
  /** Read by screen readers (Slack's `alt_txt`). */
  altText?: string;
  channelId?: string;
  /** The parent message's ts, to post the file in its thread. */
  threadTs?: string;
  initialComment?: string;
}

export type UploadStep = 'get-url' | 'upload' | 'complete';
export interface UploadError {
  step: UploadStep;
  /** Slack's error code (`missing_scope`, `not_in_channel`, …), `http_<status>` or `network`. */
  code: string;
  message: string;
}
export type UploadResult = { ok: true; value: { fileId: string } } | { ok: false; error: UploadError };

export interface UploadOptions {
  /** For the byte upload (the Web API calls use the client's own timeout). Default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

function slackError(step: UploadStep, err: unknown): UploadResult {
  const failure = classifySlackError(err);
  const code = isSlackAnswer(failure) ? failure.code : 'network';
  return { ok: false, error: { step, code, message: err instanceof Error ? err.message : String(err) } };
}

async function getUploadUrl(client: WebClient, f: FileUpload): Promise<{ url: string; id: string } | UploadResult> {
  try {
    const r = (await client.apiCall('files.getUploadURLExternal', {
      filename: f.filename,
      length: f.data.length,
      ...(f.altText ? { alt_txt: f.altText } : {}),
    })) as { upload_url?: unknown; file_id?: unknown };
    const url = r.upload_url;
    const id = r.file_id;
    if (typeof url !== 'string' || typeof id !== 'string')
      return {
        ok: false,
        error: { step: 'get-url', code: 'bad_response', message: 'no upload_url or file_id in the answer' },
      };
    return { url, id };
  } catch (err) {
    return slackError('get-url', err);
  }
}

async function postBytes(url: string, data: Buffer, opts: UploadOptions): Promise<UploadResult | undefined> {
  try {
    const res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(data),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status !== 200)
      return {
        ok: false,
        error: { step: 'upload', code: `http_${res.status}`, message: `the upload URL answered HTTP ${res.status}` },
      };
    return undefined;
  } catch (err) {
    return {
      ok: false,
      error: { step: 'upload', code: 'network', message: err instanceof Error ? err.message : String(err) },
    };
  }
}

export async function uploadFile(client: WebClient, f: FileUpload, opts: UploadOptions = {}): Promise<UploadResult> {
  const target = await getUploadUrl(client, f);
  if ('ok' in target) return target;
  const failed = await postBytes(target.url, f.data, opts);
  if (failed) return failed;
  try {
    await client.apiCall('files.completeUploadExternal', {
      files: [{ id: target.id, title: f.title ?? f.filename }],
      ...(f.channelId ? { channel_id: f.channelId } : {}),
      ...(f.threadTs ? { thread_ts: f.threadTs } : {}),
      ...(f.initialComment ? { initial_comment: f.initialComment } : {}),
    });
  } catch (err) {
    return slackError('complete', err);
  }
  return { ok: true, value: { fileId: target.id } };
}
