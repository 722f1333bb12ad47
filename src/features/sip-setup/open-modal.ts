import type { WebClient } from '@slack/web-api';
import type { ModalView } from '../../slack/block-kit';
import { noticeModal } from './binding-modal';

/** Open a placeholder at once (trigger IDs expire in 3 s), then fill it after any I/O. */
export async function openThenFill(
  client: WebClient,
  triggerId: string,
  title: string,
  fill: () => Promise<ModalView>,
): Promise<void> {
  const opened = await client.views.open({ trigger_id: triggerId, view: noticeModal(title, '⏳ Loading…') });
  const view = await fill();
  const id = opened.view?.id;
  if (!id) return;
  await client.views.update({ view_id: id, ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view });
}
