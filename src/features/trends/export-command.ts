/**
 * `/sip-setup export calls [binding] [days]`: the CSV of call records, uploaded to the requester
 * privately (their DM with the app). Admins only: the records hold callers' phone numbers.
 */
import type { Logger } from 'pino';
import type { SubcommandContext } from '../../slack/subcommand-router';
import type { AppDeps } from '../feature';
import { sendPrivately } from './deliver';
import { EXPORT_MAX_DAYS, exportCallsCsv, parseExportArgs } from './export-calls';

const USAGE = `Usage: \`/sip-setup export calls [binding] [days]\` (days 1 to ${EXPORT_MAX_DAYS}, default 30).`;

export interface ExportCommandDeps {
  deps: Pick<AppDeps, 'repos' | 'config' | 'now' | 'inflight'>;
  logger: Logger;
}

export function exportCommand(h: ExportCommandDeps): (c: SubcommandContext) => Promise<void> {
  return async ({ args, argv }) => {
    const user = args.command.user_id;
    if (!h.deps.config.adminUserIds.includes(user)) {
      await args.ack({
        response_type: 'ephemeral',
        text: 'Only SIP Ops admins can export call records (they hold callers’ numbers). Ask an admin, or have your user ID added to `ADMIN_USER_IDS`.',
      });
      return;
    }
    if ((argv[0] ?? '').toLowerCase() !== 'calls') {
      await args.ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    const req = parseExportArgs(argv.slice(1));
    if ('error' in req) {
      await args.ack({ response_type: 'ephemeral', text: `${req.error}. ${USAGE}` });
      return;
    }
    if (req.bindingName && !(await h.deps.repos.bindings.get(req.bindingName))) {
      await args.ack({
        response_type: 'ephemeral',
        text: `There is no binding named \`${req.bindingName}\`. \`/sip-setup list\` shows them.`,
      });
      return;
    }
    const what = `${req.bindingName ? `\`${req.bindingName}\`` : 'all bindings'}, last ${req.days} days`;
    await args.ack({
      response_type: 'ephemeral',
      text: `Exporting call records (${what}); the CSV comes to your DM with SIP Ops.`,
    });
    const work = async (): Promise<void> => {
      try {
        const { csv, rows } = await exportCallsCsv(h.deps, req);
        const filename = `calls-${req.bindingName ?? 'all'}-${req.days}d.csv`;
        const sent = await sendPrivately(
          args.client,
          user,
          `📄 Call records (${what}): ${rows} row${rows === 1 ? '' : 's'}, times in UTC.`,
          { data: Buffer.from(csv, 'utf8'), filename, title: filename },
        );
        if (!sent.ok)
          await args.respond({ response_type: 'ephemeral', text: `⚠️ The export could not be sent: ${sent.reason}.` });
      } catch (err) {
        h.logger.error({ err }, 'trends: calls export failed');
        await args
          .respond({ response_type: 'ephemeral', text: '⚠️ The export failed; see the service log.' })
          .catch(() => undefined);
      }
    };
    void h.deps.inflight.track(`trends:export:${user}`, work());
  };
}
