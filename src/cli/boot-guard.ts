// Early-boot guard (shared/STNS.md §4): when init, systemd or the D-Bus
// daemon looks a name up during boot, the network may not be there yet and
// waiting for it hangs the boot. Those callers get "not found" at once.
// This module imports only node:fs and the defaults table, so the check costs no module loading.
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
// defaults.ts imports nothing at run time, so the guard still loads no config machinery.
import { DEFAULT_BOOT_GUARD_PROCESSES } from '../config/defaults.js';

/** Calling programs answered "not found" without config, network or helper (one list, in config/defaults). */
export const BUILTIN_BOOT_GUARD_PROCESSES = DEFAULT_BOOT_GUARD_PROCESSES;

// The kernel keeps at most 15 bytes of a process name in /proc/<pid>/comm.
const COMM_LENGTH = 15;

/** The names the parent process is known by: its comm, and the basename of its executable. */
export function parentProcessNames(ppid: number = process.ppid): string[] {
  const names: string[] = [];
  try {
    names.push(readFileSync(`/proc/${ppid}/comm`, 'utf8').replace(/\n$/, ''));
  } catch {
    // No /proc or the parent is gone: nothing to match.
  }
  try {
    names.push(basename(readlinkSync(`/proc/${ppid}/exe`)).replace(/ \(deleted\)$/, ''));
  } catch {
    // Another user's process (EACCES) or a kernel thread: comm alone decides.
  }
  return names;
}

/** Whether one of `names` is in `guarded` (comm compared truncated, as the kernel stores it). */
export function isGuardedName(names: readonly string[], guarded: readonly string[]): boolean {
  return guarded.some((g) => names.some((n) => n === g || n === g.slice(0, COMM_LENGTH)));
}

/** True when the parent process is one of `guarded` (the built-in list by default). */
export function calledByGuardedProcess(
  guarded: readonly string[] = BUILTIN_BOOT_GUARD_PROCESSES,
  names: readonly string[] = parentProcessNames(),
): boolean {
  return isGuardedName(names, guarded);
}
