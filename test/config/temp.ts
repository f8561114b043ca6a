// Temp dirs and warning collectors for the config tests; every dir is removed
// when its test ends, pass or fail.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'stns-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A warn callback and the messages it received. */
export function collectWarnings(): { warn: (message: string) => void; warnings: string[] } {
  const warnings: string[] = [];
  return { warn: (message) => warnings.push(message), warnings };
}

/** Absolute path of a file under test/fixtures/config (tests run from dist/test/config). */
export function fixturePath(name: string): string {
  return join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'config', name);
}

/** Absolute path of the repository root. */
export function repoRoot(): string {
  return join(import.meta.dirname, '..', '..', '..');
}
