/**
 * Presses of the "30-day chart" button (src/slack/chart-button.ts; on `/sip-setup show <name>`) and
 * choices of the "30-day chart" option in each binding's menu on the App Home: the
 * binding's chart of the last 30 days, sent privately to whoever pressed it. The button carries the
 * binding's identity (`Binding.id`, never reused), so a button shown before the binding was deleted
 * or re-created under the same name is refused rather than charting another binding.
 */
import type { BlockAction, ButtonAction, OverflowAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { checkObjectIdentity } from '../../domain/object-identity';
import { BINDING_CHART_DAYS, chartBindingId } from '../../slack/chart-button';
import type { ActionHandlerArgs } from '../../slack/listeners';
import type { AppDeps } from '../feature';
import { sendBindingChart } from './deliver';

export interface ChartButtonDeps {
  deps: Pick<AppDeps, 'repos' | 'config' | 'now' | 'charts' | 'inflight'>;
  logger: Logger;
}

type Args = ActionHandlerArgs<BlockAction<ButtonAction | OverflowAction>>;

export function chartButtonHandler(h: ChartButtonDeps): (args: Args) => Promise<void> {
  return async ({ ack, action, body, client, respond }) => {
    await ack();
    const user = body.user.id;
    // From a message: an ephemeral reply; from the Home tab (no response URL): the person's DM.
    const tell = async (text: string): Promise<void> => {
      if (body.response_url) await respond({ response_type: 'ephemeral', replace_original: false, text });
      else await client.chat.postMessage({ channel: user, text });
    };
    const work = async (): Promise<void> => {
      try {
        const id = chartBindingId(action);
        const lookup = id ? await h.deps.repos.bindings.lookupIdentity(id) : ({ state: 'unknown' } as const);
        const check = checkObjectIdentity({ id }, lookup, {
          kind: 'binding',
          surface: 'button',
          reopen: (name) => `/sip-setup show ${name}`,
        });
        if (!check.ok || lookup.state !== 'live') {
          await tell(
            check.ok
              ? '⚠️ That binding no longer exists.'
              : check.message.replace(' Nothing was changed.', ' No chart was sent.'),
          );
          return;
        }
        const sent = await sendBindingChart(h.deps, client, user, lookup.name, BINDING_CHART_DAYS);
        if (!sent.ok) await tell(`⚠️ No chart for \`${lookup.name}\`: ${sent.reason}.`);
      } catch (err) {
        h.logger.error({ err }, 'trends: chart button failed');
      }
    };
    void h.deps.inflight.track(`trends:chart-button:${user}`, work());
  };
}
