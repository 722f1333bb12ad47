import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('architecture', () => {
  it('keeps the domain core free of Slack, LiveKit and I/O', () => {
    const forbidden = /^(@slack\/|livekit-server-sdk|@livekit\/|node:(fs|net|dgram|http|https|tls|child_process)|better-sqlite3|kysely|pino)/;
    const offenders: string[] = [];
    for (const f of files(join(SRC, 'domain'))) {
      for (const i of imports(f)) {
        if (forbidden.test(i) || i.includes('/livekit/') || i.includes('/slack/') || i.includes('/store/') || i.includes('/features/')) {
          offenders.push(`${relative(SRC, f)} imports ${i}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('runs nothing at import time: only main.ts starts the service, behind require.main', () => {
    const main = readFileSync(join(SRC, 'main.ts'), 'utf8');
    expect(main).toMatch(/if \(require\.main === module\)/);
    for (const f of files(SRC)) {
      if (f.endsWith('main.ts')) continue;
      const text = readFileSync(f, 'utf8');
      expect({ file: relative(SRC, f), listens: /^\S.*\.listen\(/m.test(text) || /^void main\(\)/m.test(text) }).toEqual({
        file: relative(SRC, f),
        listens: false,
      });
    }
  });
});
