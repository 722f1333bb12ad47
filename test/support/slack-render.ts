/**
 * Renders what Slack would show for a message or a view as plain readable text,
 * for the demo and for assertions that read like a person looking at Slack.
 */

type Json = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function textOf(t: unknown): string {
  if (!t || typeof t !== 'object') return '';
  return unescapeSlack(str((t as Json).text));
}

export function unescapeSlack(s: string): string {
  return s
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<#([CGD][A-Z0-9]+)(\|[^>]*)?>/g, '#$1')
    .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function indent(s: string, pad: string): string {
  return s
    .split('\n')
    .map((l) => (l.length ? pad + l : l))
    .join('\n');
}

function renderElement(e: Json): string {
  const type = str(e.type);
  if (type === 'button') return `[${textOf(e.text)}]`;
  if (type === 'mrkdwn' || type === 'plain_text') return unescapeSlack(str(e.text));
  if (type === 'image') return `(image: ${str(e.alt_text)})`;
  if (type === 'static_select' || type === 'overflow') return `[${textOf(e.placeholder) || 'select'} ▾]`;
  return `(${type})`;
}

export function renderBlocks(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const out: string[] = [];
  for (const b of blocks as Json[]) {
    switch (str(b.type)) {
      case 'header':
        out.push(`== ${textOf(b.text)} ==`);
        break;
      case 'section': {
        const parts: string[] = [];
        if (b.text) parts.push(textOf(b.text));
        if (Array.isArray(b.fields)) parts.push((b.fields as Json[]).map((f) => textOf(f)).join('  |  '));
        if (b.accessory) parts.push(renderElement(b.accessory as Json));
        out.push(parts.filter(Boolean).join('\n'));
        break;
      }
      case 'context':
        out.push(`  ${((b.elements as Json[]) ?? []).map(renderElement).join('  ·  ')}`);
        break;
      case 'divider':
        out.push('  ---');
        break;
      case 'actions':
        out.push(`  ${((b.elements as Json[]) ?? []).map(renderElement).join(' ')}`);
        break;
      case 'input': {
        const el = (b.element ?? {}) as Json;
        const initial =
          str(el.initial_value) ||
          textOf((el.initial_option as Json | undefined)?.text) ||
          str(el.initial_conversation);
        out.push(`${textOf(b.label)}${b.optional ? ' (optional)' : ''}: [${initial || renderElement(el)}]`);
        break;
      }
      case 'rich_text':
        out.push('(rich text)');
        break;
      default:
        out.push(`(${str(b.type)})`);
    }
  }
  return out.filter((l) => l.length > 0).join('\n');
}

/** A posted message: blocks when present, else the text. */
export function renderMessage(args: Json): string {
  const blocks = renderBlocks(args.blocks);
  return blocks || unescapeSlack(str(args.text));
}

export function renderView(view: unknown): string {
  if (!view || typeof view !== 'object') return '';
  const v = view as Json;
  const title = textOf(v.title);
  const submit = textOf(v.submit);
  return [`┌ ${title} ┐`, indent(renderBlocks(v.blocks), '│ '), submit ? `└ [${submit}]` : '└'].join('\n');
}
