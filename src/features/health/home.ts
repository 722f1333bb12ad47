/**
 * The App Home tab: the last health run, then every binding with its last known status and its
 * last test call, published for one user.
 */
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { HealthStatusStore } from '../../store/health-status-store';
import type { AppDeps } from '../feature';
import { homeView, type HomeRow } from './messages';

/** Bindings whose last test call is looked up; later ones are listed without it. */
const TEST_CALL_ROWS = 500;

/** What the Home tab reads of a stored run's results. */
const storedHeadline = z.object({ headline: z.string() });

export interface HomeDeps {
  deps: Pick<AppDeps, 'repos' | 'config'>;
  statuses: HealthStatusStore;
}

export async function homeRows(h: HomeDeps): Promise<HomeRow[]> {
  const [bindings, known] = await Promise.all([h.deps.repos.bindings.list(), h.statuses.knownStatuses()]);
  const rows: HomeRow[] = [];
  // The view holds a few hundred bindings at most; later ones are only counted.
  for (const [i, b] of bindings.entries()) {
    const k = known[b.name];
    const last = i < TEST_CALL_ROWS ? await h.deps.repos.calls.latest('test', b.name) : undefined;
    rows.push({
      name: b.name,
      id: b.id,
      ...(k ? { status: k.status, checkedAt: k.at, ...(k.top ? { top: k.top } : {}) } : {}),
      ...(last
        ? {
            lastTest: {
              startedAt: last.startedAt,
              outcome: last.outcome,
              callee: last.callee,
              sipStatus: last.sipStatus,
            },
          }
        : {}),
    });
  }
  return rows;
}

/** Publishes the Home tab for `user`, with `notice` (the answer to a button pressed there) on top. */
export async function publishHome(h: HomeDeps, client: WebClient, user: string, notice?: string): Promise<void> {
  const [rows, lastRun] = await Promise.all([homeRows(h), h.deps.repos.healthRuns.latestFinished()]);
  const results = storedHeadline.safeParse(lastRun?.results);
  const view = homeView({
    rows,
    ...(lastRun && results.success
      ? { lastRun: { trigger: lastRun.trigger, startedAt: lastRun.startedAt, headline: results.data.headline } }
      : {}),
    timeZone: h.deps.config.summary.timezone,
    isAdmin: h.deps.config.adminUserIds.includes(user),
    ...(notice ? { notice } : {}),
  });
  await client.views.publish({ user_id: user, view: { type: 'home', blocks: view.blocks } });
}
