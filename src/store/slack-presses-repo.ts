import type { Kysely } from 'kysely';
import type { Database } from './schema';

/** How long a press is remembered: longer than the 5 minutes a signed Slack request is accepted. */
export const PRESS_MEMORY_MS = 10 * 60_000;

/** Slack button presses already acted on (table `slack_action_presses`, migration 006). */
export class SlackPressesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records the press `key`; true when it is the first time (act on it), false when it was seen
   * within `PRESS_MEMORY_MS` (a Slack retry or a replay: do nothing). Presses older than that are forgotten.
   */
  async claim(key: string, press: { actionId: string; userId: string }, now: Date): Promise<boolean> {
    const nowMs = now.getTime();
    await this.db
      .deleteFrom('slack_action_presses')
      .where('first_at_ms', '<=', nowMs - PRESS_MEMORY_MS)
      .execute();
    const res = await this.db
      .insertInto('slack_action_presses')
      .values({ key, action_id: press.actionId, user_id: press.userId, first_at_ms: nowMs })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
