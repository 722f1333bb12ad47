import { readFileSync } from 'node:fs';

/** Every byte SQLite wrote for the database at `path` (the file and, if any, its write-ahead log), as latin1 text. */
export function databaseFileText(path: string): string {
  return ['', '-wal']
    .map((suffix) => {
      try {
        return readFileSync(path + suffix).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('');
}
