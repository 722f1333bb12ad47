/**
 * The Slack stand-in's external file uploads (the `files.uploadV2` flow), as Slack documents it
 * (docs: methods/files.getUploadURLExternal, methods/files.completeUploadExternal):
 *
 * 1. `files.getUploadURLExternal` (scope `files:write`) with `filename` and `length` (both
 *    required) answers `upload_url` and `file_id`.
 * 2. The client POSTs the bytes to `upload_url`, raw or multipart form encoded; HTTP 200 on success.
 * 3. `files.completeUploadExternal` with `files` (a JSON array of `{ id, title? }`) finishes the
 *    upload; with `channel_id` (and optionally `thread_ts`, `initial_comment`) the file is shared
 *    there, without it the file stays private.
 *
 * Stand-in choices where the documentation is silent (marked so tests do not mistake them for
 * Slack's rules): completing a file whose bytes never arrived or whose size differs from `length`
 * answers `file_not_found`/`invalid_arguments`; an upload to an unknown URL answers 404.
 */
import type { IncomingMessage } from 'node:http';

type Args = Record<string, unknown>;

export interface StoredFile {
  id: string;
  filename: string;
  length: number;
  altText?: string;
  bytes?: Buffer;
  title?: string;
  completed: boolean;
  /** Where it was shared (none: private). */
  share?: { channel: string; threadTs?: string; initialComment?: string };
}

export class SlackFiles {
  private readonly files = new Map<string, StoredFile>();
  private counter = 0;

  constructor(private readonly baseUrl: () => string) {}

  all(): StoredFile[] {
    return [...this.files.values()];
  }

  reset(): void {
    this.files.clear();
  }

  getUploadUrl(args: Args): Record<string, unknown> {
    const filename = typeof args.filename === 'string' ? args.filename : '';
    const length = Number(args.length);
    if (!filename || !Number.isInteger(length) || length <= 0) return { ok: false, error: 'invalid_arguments' };
    this.counter += 1;
    const id = `F${String(this.counter).padStart(9, '0')}`;
    this.files.set(id, {
      id,
      filename,
      length,
      completed: false,
      ...(typeof args.alt_txt === 'string' ? { altText: args.alt_txt } : {}),
    });
    return { ok: true, upload_url: `${this.baseUrl()}upload/${id}`, file_id: id };
  }

  /** The POST to `upload_url`: answers the HTTP status and body. */
  receive(id: string, body: Buffer, req: IncomingMessage): { status: number; body: string } {
    const file = this.files.get(id);
    if (!file || file.completed) return { status: 404, body: 'not found' };
    const bytes = multipartFile(body, String(req.headers['content-type'] ?? '')) ?? body;
    file.bytes = bytes;
    return { status: 200, body: `OK - ${bytes.length}` };
  }

  complete(args: Args): Record<string, unknown> {
    const list = typeof args.files === 'string' ? safeJson(args.files) : args.files;
    if (!Array.isArray(list) || list.length === 0) return { ok: false, error: 'invalid_arguments' };
    const channel = typeof args.channel_id === 'string' && args.channel_id ? args.channel_id : undefined;
    const threadTs = typeof args.thread_ts === 'string' && args.thread_ts ? args.thread_ts : undefined;
    if (threadTs && !channel) return { ok: false, error: 'invalid_arguments' };
    const done: StoredFile[] = [];
    for (const entry of list as { id?: unknown; title?: unknown }[]) {
      const file = typeof entry?.id === 'string' ? this.files.get(entry.id) : undefined;
      if (!file || !file.bytes || file.completed) return { ok: false, error: 'file_not_found' };
      if (file.bytes.length !== file.length) return { ok: false, error: 'invalid_arguments' };
      done.push(file);
    }
    for (const [i, file] of done.entries()) {
      const title = (list[i] as { title?: unknown }).title;
      file.completed = true;
      file.title = typeof title === 'string' ? title : file.filename;
      if (channel)
        file.share = {
          channel,
          ...(threadTs ? { threadTs } : {}),
          ...(typeof args.initial_comment === 'string' ? { initialComment: args.initial_comment } : {}),
        };
    }
    return { ok: true, files: done.map((f) => ({ id: f.id, title: f.title, name: f.filename, size: f.length })) };
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The first part with a filename of a multipart/form-data body, or undefined for a raw body. */
function multipartFile(body: Buffer, contentType: string): Buffer | undefined {
  const m = /multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) return undefined;
  const delimiter = Buffer.from(`--${m[1]}`);
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(at + delimiter.length + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1 && /filename=/i.test(part.subarray(0, headerEnd).toString('utf8')))
      return part.subarray(headerEnd + 4);
    at = next;
  }
  return undefined;
}
