// Test programs in C, compiled at test time from test/e2e/support/*.c
// (tsc does not copy them to dist, so they are read from the checkout).
import { join } from 'node:path';
import { C_SOURCES } from './paths.js';
import { run } from './proc.js';

/** Compiles the C file `source` into `output` (warnings are errors) and returns `output`. */
export async function compileC(source: string, output: string): Promise<string> {
  const built = await run('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-pthread', '-o', output, source]);
  if (built.code !== 0) throw new Error(`gcc ${source} failed:\n${built.stderr}`);
  return output;
}

/** Compiles test/e2e/support/<name>.c into `outDir/<name>` and returns the binary's path. */
export function compileProgram(name: string, outDir: string): Promise<string> {
  return compileC(join(C_SOURCES, `${name}.c`), join(outDir, name));
}
