// Timing helpers for `npm run bench`: whole-process wall time over repeated
// runs, summarised as median and p90, so every figure can be set against a
// baseline measured in the same run on this shared, noisy machine.
import { spawn } from 'node:child_process';

export interface Summary {
  runs: number;
  medianMs: number;
  p90Ms: number;
}

/** The q-quantile of already sorted samples (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

export function summarise(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { runs: sorted.length, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9) };
}

export interface CommandSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Exit status the command must end with, else the benchmark is void. @default 0 */
  expectStatus?: number;
}

/** Runs `spec` once; resolves to its wall time in ms. Async, so servers in this process keep answering. */
function runOnce(spec: CommandSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(spec.command, spec.args, {
      env: spec.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      const expected = spec.expectStatus ?? 0;
      if (status === expected) resolve(elapsed);
      else
        reject(
          new Error(
            `${spec.command} ${spec.args.join(' ')} exited ${status}, expected ${expected}: ${stderr.trim()}`,
          ),
        );
    });
  });
}

/** Runs `spec` `runs` times in sequence (after one warm-up) and returns the wall-time summary. */
export async function timeCommand(spec: CommandSpec, runs: number): Promise<Summary> {
  await runOnce(spec);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await runOnce(spec));
  return summarise(samples);
}

export const fmt = (ms: number): string =>
  ms >= 10 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(2);
export const ratio = (value: number, baseline: number): string => `${(value / baseline).toFixed(2)}×`;
