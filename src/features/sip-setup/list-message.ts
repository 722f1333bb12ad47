/**
 * `/sip-setup list [failing | <prefix>] [page N]` as one message within Slack's limits at any
 * number of bindings: failing bindings first, then the rest, cut into pages that each fit (block
 * count, section length, the cumulative block text Slack accepts), with the command for the next
 * page. Pure.
 */
import type { Binding } from '../../domain/binding';
import type { KnownBlock, SlackMessage } from '../../slack/block-kit';
import { context, section } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';
import { channelRef, code, escapeMrkdwn } from '../../slack/mrkdwn';

export type ListStatus = 'pass' | 'warn' | 'fail';

export interface ListQuery {
  /** `failing`: only bindings whose last check failed or warned; `prefix`: names starting with it. */
  filter?: { kind: 'failing' } | { kind: 'prefix'; prefix: string };
  /** 1-based. */
  page: number;
}

/** Section text per block, with a margin under Slack's 3000. */
const SECTION_MAX = 2900;
/** All block text of one page, under Slack's cumulative ceiling (LIMITS.cumulativeBlockText). */
const PAGE_TEXT_BUDGET = LIMITS.cumulativeBlockText - 1500;
/** Blocks of binding lines per page (the head and the two closing lines take the rest). */
const PAGE_SECTIONS = LIMITS.messageBlocks - 4;
const LINE_MAX = 400;

const ICON: Record<ListStatus, string> = { fail: '❌', warn: '⚠️', pass: '✅' };
const RANK = (s: ListStatus | undefined): number => (s === 'fail' ? 0 : s === 'warn' ? 1 : s === undefined ? 2 : 3);

/** The query in the words after `list`, or a usage text. */
export function parseListArgs(argv: string[]): ListQuery | { usage: string } {
  const words = argv.map((w) => w.toLowerCase());
  let page = 1;
  const p = words.indexOf('page');
  if (p !== -1) {
    const n = Number(words[p + 1]);
    if (!Number.isInteger(n) || n < 1 || p + 2 !== words.length) return { usage: LIST_USAGE };
    page = n;
    words.splice(p, 2);
  }
  if (words.length > 1) return { usage: LIST_USAGE };
  const w = words[0];
  if (!w) return { page };
  if (w === 'failing') return { filter: { kind: 'failing' }, page };
  if (!/^[a-z0-9-]{1,40}$/.test(w)) return { usage: LIST_USAGE };
  return { filter: { kind: 'prefix', prefix: w }, page };
}

export const LIST_USAGE =
  'Usage: `/sip-setup list [failing | <name prefix>] [page <n>]`, e.g. `/sip-setup list failing`, `/sip-setup list acme-`, `/sip-setup list page 2`.';

function line(b: Binding, status: ListStatus | undefined): string {
  const agent = b.agentName ? ` · agent ${code(b.agentName)}` : '';
  const icon = status ? ICON[status] : '▫️';
  const dids = `${b.dids.length} DID${b.dids.length === 1 ? '' : 's'}`;
  return truncate(
    `${icon} *${escapeMrkdwn(b.name)}* · ${code(b.trunkDomain)} · ${dids} · ${b.transport.toUpperCase()}${agent} · ${channelRef(b.reportChannel)}`,
    LINE_MAX,
  );
}

/** Lines cut into pages: each page a list of sections within the per-page budgets. */
function paginate(lines: string[]): string[][] {
  const pages: string[][] = [];
  let sections: string[] = [];
  let cur = '';
  let used = 0;
  const closePage = (): void => {
    if (cur) sections.push(cur);
    if (sections.length) pages.push(sections);
    sections = [];
    cur = '';
    used = 0;
  };
  for (const l of lines) {
    if (used + l.length + 1 > PAGE_TEXT_BUDGET) closePage();
    if (cur && cur.length + 1 + l.length > SECTION_MAX) {
      if (sections.length + 1 >= PAGE_SECTIONS) closePage();
      else {
        sections.push(cur);
        cur = '';
      }
    }
    cur = cur ? `${cur}\n${l}` : l;
    used += l.length + 1;
  }
  closePage();
  return pages;
}

function describe(q: ListQuery): { what: string; again: string } {
  if (q.filter?.kind === 'failing') return { what: 'failing', again: '/sip-setup list failing' };
  if (q.filter?.kind === 'prefix')
    return { what: `starting with ${code(q.filter.prefix)}`, again: `/sip-setup list ${q.filter.prefix}` };
  return { what: '', again: '/sip-setup list' };
}

/** The message for page `q.page` (past the end: the last page, saying so). */
export function listMessage(
  all: Binding[],
  statuses: Record<string, ListStatus>,
  q: ListQuery = { page: 1 },
): SlackMessage {
  const pages = listPages(all, statuses, q);
  const msg = pages[Math.min(q.page, pages.length) - 1]!;
  if (q.page <= pages.length) return msg;
  const [head, ...rest] = msg.blocks ?? [];
  return {
    text: msg.text,
    blocks: [...(head ? [head] : []), context(`There are ${pages.length} pages; this is the last.`), ...rest],
  };
}

/** Every page of the list `q` asks for (its `page` ignored), each a message within Slack's limits. */
export function listPages(
  all: Binding[],
  statuses: Record<string, ListStatus>,
  q: Omit<ListQuery, 'page'> = {},
): SlackMessage[] {
  if (all.length === 0) {
    return [
      {
        text: 'No bindings yet',
        blocks: [
          section(
            'No bindings yet. Create one with `/sip-setup`, or adopt existing LiveKit resources with `/sip-setup import`.',
          ),
        ],
      },
    ];
  }
  const f = q.filter;
  const chosen = all
    .filter((b) =>
      f?.kind === 'failing'
        ? statuses[b.name] === 'fail' || statuses[b.name] === 'warn'
        : f?.kind === 'prefix'
          ? b.name.startsWith(f.prefix)
          : true,
    )
    .map((b, idx) => ({ b, idx, s: statuses[b.name] }))
    .sort((x, y) => RANK(x.s) - RANK(y.s) || x.idx - y.idx);
  const { what, again } = describe({ ...q, page: 1 });
  if (chosen.length === 0) {
    const none =
      f?.kind === 'failing'
        ? 'No binding failed or warned at its last check.'
        : `No binding name starts with ${what.replace('starting with ', '')}.`;
    return [
      { text: 'No matching bindings', blocks: [section(`${none} \`/sip-setup list\` lists all ${all.length}.`)] },
    ];
  }
  const failing = chosen.filter((c) => c.s === 'fail' || c.s === 'warn').length;
  const pages = paginate(chosen.map((c) => line(c.b, c.s)));
  const count = `*${chosen.length} binding${chosen.length === 1 ? '' : 's'}${what ? ` ${what}` : ''}*${failing && f?.kind !== 'failing' ? ` · ${failing} failing or warning, listed first` : ''}`;
  return pages.map((sections, i) => {
    const page = i + 1;
    const head = pages.length > 1 ? `${count} · page ${page} of ${pages.length}` : count;
    const blocks: KnownBlock[] = [section(head), ...sections.map((s) => section(s))];
    if (page < pages.length)
      blocks.push(
        context(
          `Next: \`${again} page ${page + 1}\` · \`/sip-setup list failing\` or \`/sip-setup list <prefix>\` to narrow it.`,
        ),
      );
    blocks.push(context('`/sip-setup show <name>` for details and drift, `/sip-setup <name>` to edit.'));
    const pageNote = pages.length > 1 ? `, page ${page} of ${pages.length}` : '';
    return { text: `${chosen.length} bindings${what ? ` ${what.replace(/`/g, '')}` : ''}${pageNote}`, blocks };
  });
}
