/**
 * Issue 15 point 4: every payload that lists bindings stays within Slack's limits at 1,000 and
 * 10,000 bindings: the `/sip-setup list` message (every page) and the App Home view. Failing
 * bindings come first; paging reaches every binding exactly once.
 */
import type { Binding } from '../../../../src/domain/binding';
import { homeView, type HomeRow } from '../../../../src/features/health/messages';
import {
  listMessage,
  listPages,
  parseListArgs,
  type ListQuery,
  type ListStatus,
} from '../../../../src/features/sip-setup/list-message';
import type { KnownBlock } from '../../../../src/slack/block-kit';
import { LIMITS } from '../../../../src/slack/limits';
import { storedBinding } from '../../../support/binding-builder';
import { bindingSpec } from '../../../support/fixtures';

/** Every text object in the blocks, with what holds it. */
function texts(blocks: KnownBlock[]): Array<{ kind: string; text: string }> {
  const out: Array<{ kind: string; text: string }> = [];
  const walk = (v: unknown, kind: string): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, kind));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const k = typeof o.type === 'string' ? o.type : kind;
      if (typeof o.text === 'string') out.push({ kind, text: o.text });
      for (const [key, x] of Object.entries(o))
        if (key !== 'text' || typeof x !== 'string') walk(x, key === 'options' ? 'option' : k);
    }
  };
  walk(blocks, 'block');
  return out;
}

function expectMessageWithinLimits(msg: { text: string; blocks?: KnownBlock[] }): void {
  const blocks = msg.blocks ?? [];
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
  expect(msg.text.length).toBeLessThanOrEqual(LIMITS.messageText);
  const all = texts(blocks);
  for (const t of all) expect(t.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
  expect(all.reduce((n, t) => n + t.text.length, 0)).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
}

function expectViewWithinLimits(blocks: KnownBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
  expect(Buffer.byteLength(JSON.stringify({ type: 'home', blocks }))).toBeLessThanOrEqual(LIMITS.viewBytes);
  for (const t of texts(blocks))
    expect(t.text.length).toBeLessThanOrEqual(t.kind === 'option' ? LIMITS.optionText : LIMITS.sectionText);
  const values = JSON.stringify(blocks).match(/"value":"(?:[^"\\]|\\.)*"/g) ?? [];
  for (const v of values) expect(v.length - 10).toBeLessThanOrEqual(LIMITS.optionValue);
}

/** `n` bindings with long names, domains and agents; every 7th fails, every 11th warns. */
function fleet(n: number): { bindings: Binding[]; statuses: Record<string, ListStatus> } {
  const bindings: Binding[] = [];
  const statuses: Record<string, ListStatus> = {};
  for (let i = 0; i < n; i++) {
    const name = `customer-${String(i).padStart(5, '0')}-${'x'.repeat(20)}`;
    bindings.push(
      storedBinding(
        bindingSpec({
          name,
          trunkDomain: `${name}.pstn.sinch.com`,
          agentName: `agent-${'y'.repeat(40)}`,
          dids: ['+14155550100', '+14155550101'],
        }),
      ),
    );
    statuses[name] = i % 7 === 0 ? 'fail' : i % 11 === 0 ? 'warn' : 'pass';
  }
  return { bindings, statuses };
}

function names(msg: { blocks?: KnownBlock[] }): string[] {
  return [...JSON.stringify(msg.blocks).matchAll(/\*(customer-\d{5}-x+)\*/g)].map((m) => m[1]!);
}

function pageCount(msg: { blocks?: KnownBlock[] }): number {
  const m = /page \d+ of (\d+)/.exec(JSON.stringify(msg.blocks));
  return m ? Number(m[1]) : 1;
}

describe.each([1_000, 10_000])('%i bindings', (n) => {
  const { bindings, statuses } = fleet(n);
  const failing = bindings.filter((b) => statuses[b.name] !== 'pass').map((b) => b.name);

  it('/sip-setup list: every page is within the limits, failures first, and the pages hold every binding once', () => {
    const first = listMessage(bindings, statuses, { page: 1 });
    const pages = pageCount(first);
    expect(pages).toBeGreaterThan(1);
    const all = listPages(bindings, statuses);
    expect(all).toHaveLength(pages);
    expect(listMessage(bindings, statuses, { page: 2 })).toEqual(all[1]);
    const seen: string[] = [];
    for (let page = 1; page <= pages; page++) {
      const msg = all[page - 1]!;
      expectMessageWithinLimits(msg);
      seen.push(...names(msg));
      if (page < pages) expect(JSON.stringify(msg.blocks)).toContain(`/sip-setup list page ${page + 1}`);
    }
    expect(seen.length).toBe(n);
    expect(new Set(seen).size).toBe(n);
    expect(seen.slice(0, failing.length).sort()).toEqual([...failing].sort());
    expect(JSON.stringify(first.blocks)).not.toMatch(/cut to fit/i);
  });

  it('/sip-setup list failing and list <prefix>: only those, within the limits', () => {
    const q = parseListArgs(['failing']) as ListQuery;
    const f = listMessage(bindings, statuses, q);
    expectMessageWithinLimits(f);
    expect(names(f).every((x) => statuses[x] !== 'pass')).toBe(true);
    const prefix = 'customer-000';
    const p = listMessage(bindings, statuses, parseListArgs([prefix]) as ListQuery);
    expectMessageWithinLimits(p);
    expect(names(p).length).toBeGreaterThan(0);
    expect(names(p).every((x) => x.startsWith(prefix))).toBe(true);
  });

  it('the App Home view is within the limits (blocks, bytes, texts, option values) with failures first', () => {
    const rows: HomeRow[] = bindings.map((b, i) => ({
      name: b.name,
      id: b.id,
      status: statuses[b.name]!,
      checkedAt: '2026-12-01T09:00:00.000Z',
      top: 'z'.repeat(300),
      ...(i % 2
        ? {
            lastTest: {
              startedAt: '2026-12-01T08:00:00.000Z',
              outcome: 'failed',
              callee: '+14155550123',
              sipStatus: 403,
            },
          }
        : {}),
    }));
    const v = homeView({
      rows,
      isAdmin: true,
      notice: 'n'.repeat(5000),
      lastRun: { trigger: 'schedule', startedAt: '2026-12-01T09:00:00.000Z', headline: 'h'.repeat(5000) },
    });
    expectViewWithinLimits(v.blocks);
    const shown = names({ blocks: v.blocks });
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.slice(0, Math.min(shown.length, failing.length)).every((x) => statuses[x] !== 'pass')).toBe(true);
    expect(JSON.stringify(v.blocks)).toMatch(/…and \d+ more bindings/);
  });
});

describe('parseListArgs', () => {
  it('reads the filter and the page, and refuses anything else with the usage', () => {
    expect(parseListArgs([])).toEqual({ page: 1 });
    expect(parseListArgs(['FAILING', 'page', '3'])).toEqual({ filter: { kind: 'failing' }, page: 3 });
    expect(parseListArgs(['acme-', 'page', '2'])).toEqual({ filter: { kind: 'prefix', prefix: 'acme-' }, page: 2 });
    expect(parseListArgs(['page', '2'])).toEqual({ page: 2 });
    for (const bad of [['page', '0'], ['page'], ['a', 'b'], ['<!here>'], ['page', '2', 'x']])
      expect(parseListArgs(bad)).toHaveProperty('usage');
  });

  it('a page past the end shows the last one and says so', () => {
    const { bindings, statuses } = fleet(3);
    const msg = listMessage(bindings, statuses, { page: 9 });
    expect(JSON.stringify(msg.blocks)).toContain('There are 1 pages');
    expect(names(msg)).toHaveLength(3);
  });
});
