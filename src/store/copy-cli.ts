/**
 * `npm run db:copy -- <from> <to>`: copies a SQLite database into an empty PostgreSQL database
 * (both migrated to this version first). Example:
 *   npm run db:copy -- sqlite:./data/sip-ops.db postgres://sipops@db:5432/sipops
 */
import { copyDatabase } from './copy';
import { describeTarget, openStore } from './db';

export async function runCopy(argv: string[], out: (line: string) => void): Promise<number> {
  const [from, to] = argv;
  if (!from?.startsWith('sqlite:') || !to || !/^postgres(ql)?:\/\//.test(to)) {
    out('usage: npm run db:copy -- sqlite:<path to the SQLite file> postgres://user@host:5432/db');
    return 2;
  }
  const source = await openStore(from.slice('sqlite:'.length));
  try {
    const target = await openStore(to);
    try {
      const copied = await copyDatabase(source, target);
      for (const [t, n] of Object.entries(copied)) out(`${t}: ${n} rows`);
      out(
        `copied ${describeTarget(from.slice('sqlite:'.length))} into ${describeTarget(to)}; set DATABASE_URL to the PostgreSQL URL and start SIP Ops`,
      );
      return 0;
    } finally {
      await target.close();
    }
  } catch (err) {
    out(`db:copy failed, nothing was copied: ${(err as Error).message}`);
    return 1;
  } finally {
    await source.close();
  }
}

if (require.main === module) {
  void runCopy(process.argv.slice(2), (l) => process.stdout.write(`${l}\n`)).then((code) => process.exit(code));
}
