import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

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

/** Each relative import of a file under `src`, as a path relative to `src` (no extension). */
function localEdges(): Array<{ from: string; to: string }> {
  return files(SRC).flatMap((f) =>
    imports(f)
      .filter((i) => i.startsWith('.'))
      .map((i) => ({ from: relative(SRC, f), to: relative(SRC, resolve(dirname(f), i)) })),
  );
}

/** The feature a path under `src` belongs to (`features/<name>/…`), or undefined. */
function featureOf(path: string): string | undefined {
  const m = /^features\/([^/]+)\//.exec(path);
  return m?.[1];
}

const EDGE_FOLDERS = ['slack', 'livekit', 'store', 'sip', 'http', 'sinch', 'charts', 'secrets'];

describe('architecture', () => {
  it('keeps features apart: no feature imports another feature', () => {
    // The scan sees the imports inside features (so an empty result means something).
    expect(localEdges().some((e) => featureOf(e.from) !== undefined && featureOf(e.from) === featureOf(e.to))).toBe(
      true,
    );
    const offenders = localEdges().filter((e) => {
      const from = featureOf(e.from);
      const to = featureOf(e.to);
      return from !== undefined && to !== undefined && from !== to;
    });
    expect(offenders).toEqual([]);
  });

  it('keeps the edges below the features: slack/, livekit/, store/, sip/, http/, sinch/, charts/, secrets/ import no feature', () => {
    const offenders = localEdges().filter(
      (e) => EDGE_FOLDERS.includes(e.from.split('/')[0]!) && (e.to === 'features' || e.to.startsWith('features/')),
    );
    expect(offenders).toEqual([]);
  });

  it('lets only main.ts import the composition root (app.ts)', () => {
    const offenders = localEdges().filter((e) => e.to === 'app' && e.from !== 'main.ts');
    expect(offenders).toEqual([]);
  });

  it('keeps the domain core free of local edges: it imports only other domain modules', () => {
    const offenders = localEdges().filter((e) => e.from.startsWith('domain/') && !e.to.startsWith('domain/'));
    expect(offenders).toEqual([]);
  });

  it('keeps the domain core free of Slack, LiveKit and I/O', () => {
    const forbidden =
      /^(@slack\/|livekit-server-sdk|@livekit\/|(node:)?(fs|fs\/promises|net|dgram|dns|dns\/promises|http|https|http2|tls|child_process|worker_threads)$|better-sqlite3|kysely|pg|pino)/;
    const offenders: string[] = [];
    for (const f of files(join(SRC, 'domain'))) {
      for (const i of imports(f)) {
        if (
          forbidden.test(i) ||
          i.includes('/livekit/') ||
          i.includes('/slack/') ||
          i.includes('/store/') ||
          i.includes('/features/')
        ) {
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
      expect({
        file: relative(SRC, f),
        listens: /^\S.*\.listen\(/m.test(text) || /^void main\(\)/m.test(text),
      }).toEqual({
        file: relative(SRC, f),
        listens: false,
      });
    }
  });
});
