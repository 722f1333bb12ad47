/**
 * Daily loopbacks: `/sip-setup loopback <binding> on|off` (admins) stores the per-binding setting
 * "Loopback in the daily health run" (off by default: each loopback costs two call legs on the trunk),
 * and `runDaily` runs the loopback of every binding that has it on, one after the other, before the
 * scheduled health run, whose summary then shows each one's last loopback. Stored in the meta table,
 * not in the binding form (another change owns that form).
 */
import type { Logger } from 'pino';
import { LOOPBACK_DAILY_KEY, parseDailySet, withDaily } from '../../domain/loopback';
import { code, escapeMrkdwn } from '../../slack/mrkdwn';
import type { Subcommand } from '../../slack/subcommand-router';
import type { AppDeps } from '../feature';
import type { TestCallAdmission } from './admission';
import type { CallPlan } from './messages';

export const LOOPBACK_SETUP_USAGE = 'loopback <binding> on|off';

export function loopbackSetupSubcommand(deps: Pick<AppDeps, 'repos' | 'config' | 'now'>): Subcommand {
  return {
    name: 'loopback',
    usage: LOOPBACK_SETUP_USAGE,
    summary: "turn a binding's loopback in the daily health run on or off (off by default)",
    run: async ({ args, argv }) => {
      const { command, ack } = args;
      if (!deps.config.adminUserIds.includes(command.user_id)) {
        await ack({ response_type: 'ephemeral', text: '🚫 Only SIP Ops admins can change daily loopbacks.' });
        return;
      }
      const [name, state] = [argv[0]?.toLowerCase(), argv[1]?.toLowerCase()];
      if (!name || (state !== 'on' && state !== 'off')) {
        await ack({ response_type: 'ephemeral', text: `Usage: \`/sip-setup ${LOOPBACK_SETUP_USAGE}\`` });
        return;
      }
      const binding = await deps.repos.bindings.get(name);
      if (!binding) {
        await ack({ response_type: 'ephemeral', text: `❌ There is no binding named ${code(name)}.` });
        return;
      }
      const set = withDaily(parseDailySet(await deps.repos.meta.get(LOOPBACK_DAILY_KEY)), binding.name, state === 'on');
      await deps.repos.meta.set(LOOPBACK_DAILY_KEY, JSON.stringify(set), deps.now());
      const text =
        state === 'on'
          ? `🔁 Loopback in the daily health run: *on* for ${code(binding.name)}. Each run dials ${escapeMrkdwn(binding.dids[0] ?? '')} from ${escapeMrkdwn(binding.callerId)} (two call legs on the trunk); the summary shows its stage timings and a failed loopback fails the binding.`
          : `Loopback in the daily health run: *off* for ${code(binding.name)}.`;
      await ack({ response_type: 'ephemeral', text });
    },
  };
}

/** Runs the daily loopbacks one after the other (each through the same guards, posted in the first test-call channel). */
export async function runDailyLoopbacks(
  deps: Pick<AppDeps, 'repos' | 'config'>,
  admission: TestCallAdmission,
  start: (plan: CallPlan) => Promise<void>,
  logger: Logger,
): Promise<void> {
  const names = parseDailySet(await deps.repos.meta.get(LOOPBACK_DAILY_KEY));
  const channelId = deps.config.testCall.channelIds[0];
  if (names.length === 0) return;
  if (!channelId) {
    logger.warn({ bindings: names }, 'daily loopbacks are on but TEST_CALL_CHANNEL_IDS is empty: none ran');
    return;
  }
  const userId = deps.config.adminUserIds[0] ?? 'USIPOPS';
  for (const name of names) {
    const prepared = await admission.prepareLoopback({ channelId, userId, args: { binding: name } });
    if (!prepared.ok) {
      logger.warn({ binding: name, refusal: prepared.text }, 'daily loopback not run');
      continue;
    }
    await start(prepared.plan);
  }
}
