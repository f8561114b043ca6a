// Teardown for tests. node:test runs t.after hooks in the order they were
// registered (first in, first out), so a temp dir registered before the
// resolver writing into it was removed while the resolver still wrote its
// snapshot there, and came back as litter. `defer` keeps one stack per test
// and unwinds it last-in first-out: what was set up last is stopped first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Hooks = { after(fn: () => Promise<void> | void): void };
type Cleanup = () => unknown;

const stacks = new WeakMap<Hooks, Cleanup[]>();

/** Runs `fn` when the test ends, before everything deferred earlier; every cleanup runs even if one throws. */
export function defer(t: Hooks, fn: Cleanup): void {
  let stack = stacks.get(t);
  if (stack === undefined) {
    const created: Cleanup[] = [];
    stacks.set(t, created);
    t.after(() => unwind(created));
    stack = created;
  }
  stack.push(fn);
}

// Pops and runs every cleanup; the first failure is rethrown once all have run.
async function unwind(stack: Cleanup[]): Promise<void> {
  let failure: unknown;
  for (let fn = stack.pop(); fn !== undefined; fn = stack.pop()) {
    try {
      await fn();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}

/** A fresh directory under the OS temp dir, removed (after everything deferred later) when the test ends. */
export function tempDir(t: Hooks, prefix = 'stns-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
