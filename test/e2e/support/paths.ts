// Where the parts under test live in this checkout, found from this file's
// compiled location (dist/test/e2e/support), so CI's fresh clone elsewhere works.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout root (the folder holding package.json). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Folder holding the plain module build, for LD_LIBRARY_PATH. */
export const NSS_DIR = join(ROOT, 'nss');

/** The plain module (`make -C nss`). */
export const NSS_MODULE = join(NSS_DIR, 'libnss_stns.so.2');

/** Folder of the -fsanitize=address,undefined build (`make -C nss asan`). */
export const NSS_ASAN_DIR = join(NSS_DIR, 'build', 'asan');

/** The CLI entry point, run as `node CLI ...`. */
export const CLI = join(ROOT, 'bin', 'stns-query');

/** The C sources of the e2e test programs (tsc does not copy them to dist). */
export const C_SOURCES = join(ROOT, 'test', 'e2e', 'support');

/** The node binary running the tests, used for every CLI and resolver process. */
export const NODE = process.execPath;

/** The absolute path of a program on PATH, or null when it is not installed. */
export function which(program: string): string | null {
  const dirs = (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(
    ':',
  );
  for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
    const candidate = join(dir, program);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}
