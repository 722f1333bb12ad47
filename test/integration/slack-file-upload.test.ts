import { LogLevel, WebClient } from '@slack/web-api';
import { uploadFile } from '../../src/slack/file-upload';
import { SlackStandIn } from '../support/slack-standin';

const TOKEN = 'xoxb-upload-test-token';
let slack: SlackStandIn;
let client: WebClient;

beforeAll(async () => {
  slack = await SlackStandIn.start();
  client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
});
afterAll(() => slack.stop());
beforeEach(() => {
  slack.reset();
  slack.scopes = ['commands', 'chat:write', 'chat:write.public', 'files:write'];
});

const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3, 250, 251, 252, 253]);

describe('uploadFile (files.getUploadURLExternal → upload → files.completeUploadExternal)', () => {
  it('uploads the bytes and shares the file in a thread', async () => {
    const r = await uploadFile(client, {
      data: PNG_BYTES,
      filename: 'trend.png',
      title: 'Trends',
      altText: 'Chart of calls',
      channelId: 'C0001',
      threadTs: '1700000000.000100',
      initialComment: 'Last 7 days',
    });
    expect(r).toEqual({ ok: true, value: { fileId: expect.stringMatching(/^F/) } });
    const fileId = r.ok ? r.value.fileId : '';
    expect(slack.calls.map((c) => c.method)).toEqual([
      'files.getUploadURLExternal',
      `upload:${fileId}`,
      'files.completeUploadExternal',
    ]);
    expect(slack.callsTo('files.getUploadURLExternal')[0]!.args).toMatchObject({
      filename: 'trend.png',
      length: String(PNG_BYTES.length),
      alt_txt: 'Chart of calls',
    });
    expect(slack.callsTo('files.completeUploadExternal')[0]!.args).toMatchObject({
      files: [{ id: fileId, title: 'Trends' }],
      channel_id: 'C0001',
      thread_ts: '1700000000.000100',
    });
    const [file] = slack.files.all();
    expect(file!.bytes!.equals(PNG_BYTES)).toBe(true);
    expect(file).toMatchObject({
      completed: true,
      title: 'Trends',
      share: { channel: 'C0001', threadTs: '1700000000.000100', initialComment: 'Last 7 days' },
    });
  });

  it('keeps the file private without a channel', async () => {
    const r = await uploadFile(client, { data: PNG_BYTES, filename: 'calls.csv' });
    expect(r.ok).toBe(true);
    expect(slack.files.all()[0]).toMatchObject({ completed: true, title: 'calls.csv' });
    expect(slack.files.all()[0]!.share).toBeUndefined();
  });

  it('reports a missing files:write scope at the first step and uploads nothing', async () => {
    slack.scopes = ['commands', 'chat:write'];
    const r = await uploadFile(client, { data: PNG_BYTES, filename: 'trend.png', channelId: 'C0001' });
    expect(r).toMatchObject({ ok: false, error: { step: 'get-url', code: 'missing_scope' } });
    expect(slack.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal']);
  });

  it('reports a failed byte upload and does not complete', async () => {
    const failing: typeof fetch = async () => new Response('busy', { status: 503 });
    const r = await uploadFile(client, { data: PNG_BYTES, filename: 'trend.png' }, { fetch: failing });
    expect(r).toMatchObject({ ok: false, error: { step: 'upload', code: 'http_503' } });
    expect(slack.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it("reports Slack's error from the last step", async () => {
    slack.script('files.completeUploadExternal', { ok: false, error: 'channel_not_found' });
    const r = await uploadFile(client, { data: PNG_BYTES, filename: 'trend.png', channelId: 'C404' });
    expect(r).toMatchObject({ ok: false, error: { step: 'complete', code: 'channel_not_found' } });
  });
});

describe('Slack stand-in: external uploads', () => {
  it('requires filename and length', async () => {
    await expect(client.apiCall('files.getUploadURLExternal', { filename: 'x.png' })).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
  });

  it('will not complete a file whose bytes never arrived', async () => {
    const r = (await client.apiCall('files.getUploadURLExternal', { filename: 'x.png', length: 4 })) as {
      file_id?: string;
    };
    await expect(client.apiCall('files.completeUploadExternal', { files: [{ id: r.file_id }] })).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    });
  });

  it('accepts a multipart form upload as well as raw bytes', async () => {
    const r = (await client.apiCall('files.getUploadURLExternal', { filename: 'x.png', length: PNG_BYTES.length })) as {
      upload_url?: string;
      file_id?: string;
    };
    const form = new FormData();
    form.append('filename', new Blob([new Uint8Array(PNG_BYTES)]), 'x.png');
    const res = await fetch(r.upload_url!, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(slack.files.all()[0]!.bytes!.equals(PNG_BYTES)).toBe(true);
    await expect(
      client.apiCall('files.completeUploadExternal', { files: [{ id: r.file_id, title: 'X' }] }),
    ).resolves.toMatchObject({ ok: true, files: [{ id: r.file_id, title: 'X' }] });
  });
});
