// Test programs in C, compiled at test time from test/e2e/support/*.c
// (tsc does not copy them to dist, so they are read from the checkout).
import { join } from 'node:path';
import { C_SOURCES } from './paths.js';
import { run } from './proc.js';

/** Compiles test/e2e/support/<name>.c into `outDir/<name>` and returns the binary's path. */
export async function compileProgram(name: string, outDir: string): Promise<string> {
  const output = join(outDir, name);
  const built = await run('gcc', [
    '-O2',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-pthread',
    '-o',
    output,
    join(C_SOURCES, `${name}.c`),
  ]);
  if (built.code !== 0) throw new Error(`gcc ${name}.c failed:\n${built.stderr}`);
  return output;
}
