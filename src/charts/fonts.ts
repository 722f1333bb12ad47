/**
 * Fonts for the rasteriser. resvg draws no text without a font, and the chart must look the same on
 * every machine, so the DejaVu Sans files come from the npm package `dejavu-fonts-ttf` (installed
 * with the app). If that package is missing, Debian's `fonts-dejavu-core` is used; failing both,
 * whatever fonts the system has.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];
const DEBIAN_DIR = '/usr/share/fonts/truetype/dejavu';

export interface FontSource {
  files: string[];
  /** Where they came from, for logs and the README's claim. */
  origin: 'npm' | 'debian' | 'system';
}

function fromNpm(): string[] | undefined {
  try {
    const dir = join(require.resolve('dejavu-fonts-ttf/package.json'), '..', 'ttf');
    const files = FILES.map((f) => join(dir, f));
    return files.every((f) => existsSync(f)) ? files : undefined;
  } catch {
    return undefined;
  }
}

export function chartFonts(): FontSource {
  const npm = fromNpm();
  if (npm) return { files: npm, origin: 'npm' };
  const debian = FILES.map((f) => join(DEBIAN_DIR, f));
  if (debian.every((f) => existsSync(f))) return { files: debian, origin: 'debian' };
  return { files: [], origin: 'system' };
}
