/**
 * Slack renderings of health runs, pure: the channel summary (one compact message within Block Kit
 * limits), its thread of per-binding details, transition alerts, the answer to
 * `/sip-setup check <name>`, and the App Home tab. Every engine text goes through `escapeMrkdwn`.
 */
import type { BindingReport, CheckStatus, HealthReport } from '../../domain/health-checks';
import { NO_CHANGES } from '../../domain/health-run';
import type { RunDiff, StatusTransition } from '../../domain/health-summary';
import { detailSections, globalDetail, STATUS_ICON, summaryLines, topFinding } from '../../domain/health-summary';
import { CHECK_BINDING_ACTION, HOME_BINDING_ACTION, NEW_BINDING_ACTION } from '../../slack/action-ids';
import { encodeBindingRef } from '../../slack/binding-ref';
import type { KnownBlock, SlackMessage } from '../../slack/block-kit';
import { context, section } from '../../slack/block-kit';
import { bindingChartOption } from '../../slack/chart-button';
import { LIMITS, truncate } from '../../slack/limits';
import { code, escapeMrkdwn, slackDate, userRef } from '../../slack/mrkdwn';
import type { RunTrigger } from '../../store/health-runs-repo';

/** "Run again" under a summary and "Run all checks" on the Home tab: a full health run. */
export const RUN_AGAIN_ACTION = 'health_run_again';

/** What "Run again" carries: the run whose summary it was under, or `home` for the Home tab's button. */
export interface RunAgainValue {
  r: string;
}

export const HOME_RUN = 'home';

export function encodeRunAgain(runId: string): string {
  return JSON.stringify({ r: runId } satisfies RunAgainValue);
}

/** The run a "Run again" names, or undefined for a value older versions put there (`all`). */
export function decodeRunAgain(value: string | undefined): RunAgainValue | undefined {
  try {
    const v = JSON.parse(value ?? '') as { r?: unknown };
    return typeof v.r === 'string' && v.r ? { r: v.r } : undefined;
  } catch {
    return undefined;
  }
}

/** The "Check again" button of one binding, naming it by identity when it is known. */
function checkButton(text: string, name: string, bindingId: string | undefined): KnownBlock {
  return button(text, CHECK_BINDING_ACTION, bindingId ? encodeBindingRef({ b: name, bi: bindingId }) : name);
}

export type { SlackMessage };

export interface HomeView {
  type: 'home';
  blocks: KnownBlock[];
}

/** Total block text a message may carry here (Slack rejects around 11–12k). */
export const MESSAGE_TEXT_BUDGET = 10_000;
/** Section text after escaping, with a margin under Slack's 3000. */
const SECTION_MAX = 2900;
/** Bindings with problems detailed in a summary thread. */
export const THREAD_MAX_BINDINGS = 40;
/** Detail chunks per thread reply (each up to ~2900 characters). */
const CHUNKS_PER_REPLY = 3;

const TRIGGER_LABEL: Record<RunTrigger, string> = {
  schedule: 'Scheduled check',
  manual: 'Manual check',
  startup: 'Make-up check (the scheduled one was missed while SIP Ops was down)',
};

const RANK: Record<CheckStatus, number> = { fail: 0, warn: 1, pass: 2 };

/**
 * A time each reader sees in their own zone (Slack's date token, fallback `2024-05-01 09:00 UTC`).
 * `timeZone` (the schedule's zone) no longer changes what is shown; it stays for the callers.
 */
export function formatTime(d: Date, _timeZone = 'UTC'): string {
  return slackDate(d);
}

/** `250 ms`, `1.2 s`, `14 s`. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function blockText(b: KnownBlock): number {
  return JSON.stringify(b).length;
}

function names(xs: string[], max = 15): string {
  const shown = xs
    .slice(0, max)
    .map((n) => escapeMrkdwn(n))
    .join(', ');
  return xs.length > max ? `${shown} and ${xs.length - max} more` : shown;
}

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): KnownBlock {
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: actionId,
        text: { type: 'plain_text', text: truncate(text, LIMITS.buttonText) },
        value: truncate(value, LIMITS.buttonValue),
        ...(style ? { style } : {}),
      },
    ],
  };
}

function counts(statuses: CheckStatus[]): string {
  const c: Record<CheckStatus, number> = { fail: 0, warn: 0, pass: 0 };
  for (const s of statuses) c[s]++;
  return (['fail', 'warn', 'pass'] as const)
    .filter((s) => c[s] > 0)
    .map((s) => `${c[s]} ${s}`)
    .join(', ');
}

// ------------------------------------------------------------------------------- the summary

export interface SummaryInput {
  report: HealthReport;
  diff: RunDiff;
  /** No earlier run to compare with. */
  firstRun: boolean;
  trigger: RunTrigger;
  startedAt: Date;
  wallMs: number;
  timeZone?: string;
  requestedBy?: string;
  /** Where the per-binding details are: the thread of this message, or the command. */
  details: 'thread' | 'command';
  /** Add the "Run again" button (default true). */
  runAgain?: boolean;
  /** The run summarised: "Run again" names it. */
  runId: string;
}

export function changesText(diff: RunDiff): string | undefined {
  const parts: string[] = [];
  if (diff.newFailures.length)
    parts.push(`❌ new ${diff.newFailures.length === 1 ? 'failure' : 'failures'}: ${names(diff.newFailures)}`);
  if (diff.recoveries.length) parts.push(`✅ recovered: ${names(diff.recoveries)}`);
  if (diff.added.length) parts.push(`➕ new ${diff.added.length === 1 ? 'binding' : 'bindings'}: ${names(diff.added)}`);
  if (diff.removed.length) parts.push(`➖ removed: ${names(diff.removed)}`);
  return parts.length ? parts.join('\n') : undefined;
}

/**
 * One message: headline, global problems, changes since the last run, one line per binding
 * (fails and warns first; when they do not all fit, "and N more"), and a "Run again" button.
 */
export function summaryMessage(i: SummaryInput): SlackMessage {
  const tz = i.timeZone ?? 'UTC';
  const lines = summaryLines(i.report, i.diff);
  const headline = summaryLines(i.report, NO_CHANGES).headline;
  const head: KnownBlock[] = [section(truncate(`*🩺 SIP health* · ${escapeMrkdwn(headline)}`, SECTION_MAX))];
  const problems = i.report.bindings.filter((b) => b.status !== 'pass').length;
  const where =
    problems === 0
      ? ''
      : i.details === 'thread'
        ? ` · details of the ${problems} with problems in the thread`
        : ' · `/sip-setup check <name>` for the details of one';
  head.push(
    context(
      `${TRIGGER_LABEL[i.trigger]} · ${formatTime(i.startedAt, tz)} · took ${duration(i.wallMs)}${i.requestedBy ? ` · by ${userRef(i.requestedBy)}` : ''}${where}`,
    ),
  );
  if (lines.global.length)
    head.push(section(truncate(lines.global.map((l) => escapeMrkdwn(l)).join('\n'), SECTION_MAX)));
  if (i.report.est && !i.report.est.managed) head.push(context(escapeMrkdwn(i.report.est.note)));
  const changes = changesText(i.diff);
  if (changes) head.push(section(truncate(`*Since the last run:*\n${changes}`, SECTION_MAX)));
  else if (!i.firstRun) head.push(context('No change since the last run.'));

  const tail: KnownBlock[] =
    i.runAgain === false ? [] : [button('Run again', RUN_AGAIN_ACTION, encodeRunAgain(i.runId))];
  const order = i.report.bindings
    .map((b, idx) => ({ status: b.status, line: escapeMrkdwn(truncate(lines.lines[idx] ?? b.name, 280)), idx }))
    .sort((a, b) => RANK[a.status] - RANK[b.status] || a.idx - b.idx);

  const fixedChars = [...head, ...tail].reduce((n, b) => n + blockText(b), 0);
  const noteReserve = 200;
  const maxSections = LIMITS.messageBlocks - head.length - tail.length - 1;
  let budget = MESSAGE_TEXT_BUDGET - fixedChars - noteReserve;
  const sections: string[] = [];
  let cur = '';
  let shown = 0;
  for (const o of order) {
    const joined = cur === '' ? o.line : `${cur}\n${o.line}`;
    if (joined.length > SECTION_MAX) {
      if (sections.length + 1 >= maxSections) break;
      sections.push(cur);
      cur = '';
    }
    const add = o.line.length + 1 + (cur === '' ? 40 : 0); // a new section costs its JSON frame too
    if (add > budget) break;
    budget -= add;
    cur = cur === '' ? o.line : `${cur}\n${o.line}`;
    shown++;
  }
  if (cur !== '') sections.push(cur);

  const blocks: KnownBlock[] = [...head, ...sections.map((s) => section(s))];
  const rest = order.slice(shown);
  if (rest.length) {
    const allPass = rest.every((r) => r.status === 'pass');
    blocks.push(
      context(
        allPass
          ? `…and ${rest.length} more passing.`
          : `…and ${rest.length} more (${counts(rest.map((r) => r.status))}). \`/sip-setup check <name>\` shows one binding.`,
      ),
    );
  }
  blocks.push(...tail);
  return { text: `SIP health: ${headline}`, blocks };
}

// -------------------------------------------------------------------------------- the thread

function chunkBlocks(chunks: string[]): KnownBlock[] {
  return chunks.map((c, idx) => {
    const text = escapeMrkdwn(c);
    if (idx > 0) return section(truncate(text, LIMITS.sectionText));
    const nl = text.indexOf('\n');
    const first = nl === -1 ? text : text.slice(0, nl);
    const bolded = `*${first}*${nl === -1 ? '' : text.slice(nl)}`;
    return section(truncate(bolded, LIMITS.sectionText));
  });
}

function repliesFor(chunks: string[], fallback: string): SlackMessage[] {
  const out: SlackMessage[] = [];
  for (let i = 0; i < chunks.length; i += CHUNKS_PER_REPLY) {
    const part = chunks.slice(i, i + CHUNKS_PER_REPLY);
    const blocks = chunkBlocks(part);
    if (i > 0) blocks[0] = section(truncate(escapeMrkdwn(part[0] ?? ''), LIMITS.sectionText));
    out.push({ text: i === 0 ? fallback : `${fallback} (continued)`, blocks });
  }
  return out;
}

/**
 * Thread replies under a summary: global problems first, then one reply (or more for long ones)
 * per binding with findings to act on, for at most `maxBindings` bindings, then a note.
 */
export function threadReplies(report: HealthReport, maxBindings = THREAD_MAX_BINDINGS): SlackMessage[] {
  const out: SlackMessage[] = [];
  if (report.global.some((f) => f.status !== 'pass'))
    out.push(...repliesFor(globalDetail(report), 'LiveKit API checks'));
  const problems = detailSections(report)
    .filter((s) => s.status !== 'pass')
    .sort((a, b) => RANK[a.status] - RANK[b.status]);
  for (const s of problems.slice(0, maxBindings))
    out.push(...repliesFor(s.chunks, `${STATUS_ICON[s.status]} ${s.binding}: ${s.status}`));
  if (problems.length > maxBindings) {
    const more = problems.slice(maxBindings).map((s) => s.binding);
    out.push({
      text: `${more.length} more bindings with problems`,
      blocks: [
        section(
          truncate(
            `${more.length} more ${more.length === 1 ? 'binding has' : 'bindings have'} problems, not detailed here: ${names(more, 60)}.\n\`/sip-setup check <name>\` shows the findings of one.`,
            LIMITS.sectionText,
          ),
        ),
      ],
    });
  }
  return out;
}

// -------------------------------------------------------------------------------- the alerts

export function alertMessage(
  t: StatusTransition,
  b: BindingReport | undefined,
  opts: { trigger: RunTrigger; at: Date; timeZone?: string; bindingId?: string },
): SlackMessage {
  const when = `${TRIGGER_LABEL[opts.trigger]} · ${formatTime(opts.at, opts.timeZone)}`;
  const top = b ? topFinding(b.findings) : undefined;
  const more = b ? b.findings.filter((f) => f.status !== 'pass').length - 1 : 0;
  if (t.to === 'fail') {
    const lines = [`🚨 *SIP binding ${code(t.binding)} is failing* (it was ${t.from}).`];
    if (top) lines.push(`${STATUS_ICON[top.status]} ${escapeMrkdwn(truncate(top.title, 400))}`);
    if (top?.nextStep) lines.push(`*Next:* ${escapeMrkdwn(truncate(top.nextStep, 800))}`);
    if (more > 0) lines.push(`_${more} more finding${more === 1 ? '' : 's'} to act on._`);
    return {
      text: `SIP binding ${t.binding} is failing`,
      blocks: [
        section(truncate(lines.join('\n'), LIMITS.sectionText)),
        context(`${when} · \`/sip-setup check ${escapeMrkdwn(t.binding)}\` lists every finding`),
        checkButton('Check again', t.binding, opts.bindingId),
      ],
    };
  }
  const lines = [`✅ *SIP binding ${code(t.binding)} recovered*: now ${t.to} (it was failing).`];
  if (t.to === 'warn' && top)
    lines.push(`Still to look at: ${STATUS_ICON[top.status]} ${escapeMrkdwn(truncate(top.title, 400))}`);
  return {
    text: `SIP binding ${t.binding} recovered`,
    blocks: [section(truncate(lines.join('\n'), LIMITS.sectionText)), context(when)],
  };
}

/** Many transitions for one report channel (e.g. LiveKit down): one message instead of one each. */
export function alertDigest(
  ts: StatusTransition[],
  opts: { trigger: RunTrigger; at: Date; timeZone?: string },
): SlackMessage {
  const failing = ts.filter((t) => t.to === 'fail').map((t) => t.binding);
  const recovered = ts.filter((t) => t.to !== 'fail').map((t) => t.binding);
  const lines: string[] = [];
  if (failing.length)
    lines.push(
      `🚨 *${failing.length} SIP ${failing.length === 1 ? 'binding is' : 'bindings are'} failing now:* ${names(failing, 30)}`,
    );
  if (recovered.length) lines.push(`✅ *${recovered.length} recovered:* ${names(recovered, 30)}`);
  return {
    text: `${ts.length} SIP bindings changed status`,
    blocks: [
      section(truncate(lines.join('\n'), LIMITS.sectionText)),
      context(
        `${TRIGGER_LABEL[opts.trigger]} · ${formatTime(opts.at, opts.timeZone)} · \`/sip-setup check <name>\` lists the findings of one`,
      ),
    ],
  };
}

// -------------------------------------------------------------------- one binding, on demand

export function bindingCheckMessage(
  report: HealthReport,
  name: string,
  opts: { at: Date; wallMs: number; timeZone?: string; bindingId?: string },
): SlackMessage {
  const b = report.bindings.find((x) => x.name === name);
  if (!b)
    return {
      text: `No binding named ${name}`,
      blocks: [section(`There is no binding named ${code(name)}. \`/sip-setup list\` shows them.`)],
    };
  const blocks: KnownBlock[] = [];
  const tail: KnownBlock[] = [
    context(`Checked ${formatTime(opts.at, opts.timeZone)} · took ${duration(opts.wallMs)}`),
    checkButton('Check again', b.name, opts.bindingId),
  ];
  let budget = MESSAGE_TEXT_BUDGET - tail.reduce((n, x) => n + blockText(x), 0) - 200;
  const globalProblems = report.global.filter((f) => f.status !== 'pass');
  if (globalProblems.length) {
    const g = section(
      truncate(
        globalProblems.map((f) => `${STATUS_ICON[f.status]} ${escapeMrkdwn(f.title)}`).join('\n'),
        LIMITS.sectionText,
      ),
    );
    blocks.push(g);
    budget -= blockText(g);
  }
  const chunks = detailSections({ global: [], bindings: [b] })[0]?.chunks ?? [];
  const all = chunkBlocks(chunks);
  let cut = false;
  for (const block of all) {
    const cost = blockText(block);
    if (cost > budget || blocks.length >= LIMITS.messageBlocks - tail.length - 1) {
      cut = true;
      break;
    }
    blocks.push(block);
    budget -= cost;
  }
  if (cut) blocks.push(context('Cut to fit one message: the full detail is in the thread of the next summary.'));
  blocks.push(...tail);
  return { text: `${STATUS_ICON[b.status]} ${b.name}: ${b.status}`, blocks };
}

// ---------------------------------------------------------------------------------- App Home

export interface HomeRow {
  name: string;
  /** The binding's identity: its buttons name it. */
  id: string;
  status?: CheckStatus;
  checkedAt?: string; // ISO
  top?: string;
  lastTest?: { startedAt: string; outcome: string; callee: string | null; sipStatus: number | null };
}

export interface HomeInput {
  rows: HomeRow[];
  lastRun?: { trigger: RunTrigger; startedAt: string; headline: string };
  timeZone?: string;
  /** Admins get "New binding". */
  isAdmin?: boolean;
  /** The answer to a button pressed on the Home tab, shown on top. */
  notice?: string;
}

/** Bindings with their own row and buttons on the Home tab; the rest are listed compactly. */
export const HOME_BUTTON_ROWS = 60;
/** The view's JSON may not pass this (Slack's `views.publish` limit is 250 KB), with a margin. */
export const HOME_VIEW_BYTES = LIMITS.viewBytes - 10_000;

function testCallText(t: HomeRow['lastTest'], tz: string): string {
  if (!t) return 'no test call yet';
  const ok = t.outcome === 'answered' || t.outcome === 'completed';
  const icon = ok ? '✅' : t.outcome === 'in-progress' ? '⏳' : '❌';
  const sip = t.sipStatus !== null ? `, SIP ${t.sipStatus}` : '';
  const to = t.callee ? ` to ${code(t.callee)}` : '';
  return `last test call ${formatTime(new Date(t.startedAt), tz)}${to}: ${icon} ${escapeMrkdwn(t.outcome)}${sip}`;
}

function homeLine(r: HomeRow, tz: string): string {
  const status = r.status
    ? `${STATUS_ICON[r.status]} *${escapeMrkdwn(r.name)}*`
    : `▫️ *${escapeMrkdwn(r.name)}* · not checked yet`;
  const when = r.status && r.checkedAt ? ` · ${r.status} at ${formatTime(new Date(r.checkedAt), tz)}` : '';
  const top = r.status && r.status !== 'pass' && r.top ? `\n      ${escapeMrkdwn(truncate(r.top, 200))}` : '';
  return `${status}${when}${top}\n      ${testCallText(r.lastTest, tz)}`;
}

const HOME_RANK = (r: HomeRow): number => (r.status ? RANK[r.status] : 1.5);

/** One binding with its menu: "Check now" (naming it by identity), "Test call" and "30-day chart" (answered by the trends feature). */
function homeBindingBlocks(r: HomeRow, line: string): KnownBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(line, LIMITS.sectionText) },
    accessory: {
      type: 'overflow',
      action_id: HOME_BINDING_ACTION,
      options: [
        {
          text: { type: 'plain_text', text: 'Check now' },
          value: encodeHomeChoice({ a: 'check', b: r.name, bi: r.id }),
        },
        {
          text: { type: 'plain_text', text: 'Test call' },
          value: encodeHomeChoice({ a: 'test', b: r.name, bi: r.id }),
        },
        bindingChartOption(r.id),
      ],
    },
  };
}

function bytes(b: KnownBlock): number {
  return Buffer.byteLength(JSON.stringify(b)) + 1;
}

/** The Home tab's top: title, notice, last run, the actions. */
function homeHead(i: HomeInput, tz: string): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'SIP Ops · bindings' } }];
  if (i.notice) blocks.push(section(truncate(i.notice, LIMITS.sectionText)));
  blocks.push(
    section(
      i.lastRun
        ? `*Last check:* ${formatTime(new Date(i.lastRun.startedAt), tz)} (${TRIGGER_LABEL[i.lastRun.trigger].toLowerCase()}) · ${escapeMrkdwn(truncate(i.lastRun.headline, 2000))}`
        : '*Last check:* none yet. The daily summary runs at `SUMMARY_CRON`; `/sip-setup check` runs one now.',
    ),
  );
  const run = {
    type: 'button' as const,
    action_id: RUN_AGAIN_ACTION,
    text: { type: 'plain_text' as const, text: 'Run all checks' },
    value: encodeRunAgain(HOME_RUN),
    style: 'primary' as const,
  };
  const create = {
    type: 'button' as const,
    action_id: NEW_BINDING_ACTION,
    text: { type: 'plain_text' as const, text: 'New binding' },
    value: 'new',
  };
  blocks.push({ type: 'actions', block_id: 'home_actions', elements: i.isAdmin ? [run, create] : [run] });
  blocks.push({ type: 'divider' });
  return blocks;
}

/**
 * The Home tab: the last run, then the bindings, failures first: the first ones each with their
 * buttons, the rest listed compactly, within Slack's block cap and the view's byte limit.
 */
export function homeView(i: HomeInput): HomeView {
  const tz = i.timeZone ?? 'UTC';
  const blocks = homeHead(i, tz);
  if (i.rows.length === 0) {
    blocks.push(section('No bindings yet. Create one with `/sip-setup`.'));
    return { type: 'home', blocks };
  }
  const order = i.rows.map((r, idx) => ({ r, idx })).sort((a, b) => HOME_RANK(a.r) - HOME_RANK(b.r) || a.idx - b.idx);
  const tailReserve = 600; // the closing "…and N more" line
  let used = blocks.reduce((n, b) => n + bytes(b), 0) + tailReserve;
  const fits = (b: KnownBlock): boolean => blocks.length < LIMITS.viewBlocks - 1 && used + bytes(b) <= HOME_VIEW_BYTES;
  let shown = 0;
  for (const { r } of order.slice(0, HOME_BUTTON_ROWS)) {
    const b = homeBindingBlocks(r, homeLine(r, tz));
    if (!fits(b)) break;
    blocks.push(b);
    used += bytes(b);
    shown++;
  }
  let cur: string[] = [];
  const flush = (): boolean => {
    if (cur.length === 0) return true;
    const b = section(cur.join('\n'));
    if (!fits(b)) return false;
    blocks.push(b);
    used += bytes(b);
    shown += cur.length;
    cur = [];
    return true;
  };
  for (const { r } of order.slice(shown)) {
    const line = truncate(homeLine(r, tz), SECTION_MAX);
    if ([...cur, line].join('\n').length > SECTION_MAX && !flush()) break;
    cur.push(line);
  }
  if (!flush()) cur = [];
  if (shown < i.rows.length) {
    const rest = order.slice(shown).map((o) => o.r.status);
    const failing = rest.filter((s) => s === 'fail' || s === 'warn').length;
    blocks.push(
      context(
        `…and ${i.rows.length - shown} more bindings${failing ? ` (${failing} with problems)` : ''}. \`/sip-setup list failing\` and \`/sip-setup list <prefix>\` page through them.`,
      ),
    );
  }
  return { type: 'home', blocks };
}

/** What an option of a binding's menu on the Home tab carries (Slack allows 150 characters in an option value). */
export interface HomeChoice {
  a: 'check' | 'test';
  b: string;
  bi: string;
}

export function encodeHomeChoice(c: HomeChoice): string {
  return JSON.stringify(c);
}

export function decodeHomeChoice(value: string | undefined): HomeChoice | undefined {
  try {
    const v = JSON.parse(value ?? '') as Partial<Record<keyof HomeChoice, unknown>>;
    if ((v.a === 'check' || v.a === 'test') && typeof v.b === 'string' && typeof v.bi === 'string' && v.bi)
      return { a: v.a, b: v.b, bi: v.bi };
  } catch {
    // fall through
  }
  return undefined;
}
