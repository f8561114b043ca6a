// Run as a child process by faults.test.ts: one library lookup against the
// endpoint in argv, then prints how much this process's peak RSS grew, so the
// body cap is measured apart from the test server streaming the body.

import { createClient } from '../../src/api/client.js';
import { testConfig } from '../support/config.js';

// One lookup with the given body cap; prints `{"grewKiB":n,"error":"..."}`.
async function probe(endpoint: string, maxResponseBytes: number): Promise<void> {
  const before = process.resourceUsage().maxRSS;
  const client = createClient(
    testConfig({ endpoints: [endpoint], maxResponseBytes, requestTimeoutMs: 5000 }),
  );
  const error = await client.getUserByName('alice').then(
    () => '',
    (e: unknown) => String((e as Error).message),
  );
  await client.close();
  process.stdout.write(`${JSON.stringify({ grewKiB: process.resourceUsage().maxRSS - before, error })}\n`);
}

await probe(process.argv[2] ?? '', Number(process.argv[3]));
