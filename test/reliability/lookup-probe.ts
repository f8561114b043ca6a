// Run as a child process by faults.test.ts: one library lookup of alice with
// the config fields given as JSON in argv (over testConfig's defaults), then
// one line of JSON saying how it failed, how long it took and how much this
// process's peak RSS grew. A child keeps the body cap measured apart from the
// test server streaming the body, and lets a lookup run inside a namespace
// without network.

import { createClient } from '../../src/api/client.js';
import type { Config } from '../../src/config/types.js';
import { testConfig } from '../support/config.js';

/** What the probe prints. */
export interface ProbeResult {
  grewKiB: number;
  ms: number;
  /** The failure; null when alice was found. */
  error: { name: string; exitCode: number | undefined; message: string } | null;
}

async function probe(fields: Partial<Config>): Promise<ProbeResult> {
  const before = process.resourceUsage().maxRSS;
  const client = createClient(testConfig(fields));
  const started = performance.now();
  const error = await client.getUserByName('alice').then(
    () => null,
    (e: unknown) => {
      const { name, message, exitCode } = e as Error & { exitCode?: number };
      return { name, exitCode, message };
    },
  );
  const ms = performance.now() - started;
  await client.close();
  return { grewKiB: process.resourceUsage().maxRSS - before, ms, error };
}

process.stdout.write(`${JSON.stringify(await probe(JSON.parse(process.argv[2] ?? '{}')))}\n`);
