// Temp dirs and warning collectors for the config tests; every dir is removed
// when its test ends, pass or fail.

import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir as sharedTempDir } from '../support/cleanup.js';

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(t: TestContext): string {
  return sharedTempDir(t, 'stns-config-');
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
