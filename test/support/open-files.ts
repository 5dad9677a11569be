/** What files a test's own process holds open: to prove a temporary file was closed (Linux /proc). */
import { readdirSync, readlinkSync } from 'node:fs';

/**
 * The paths this process holds open under `dir` (an unlinked file shows as "<path> (deleted)").
 * Synchronous, so a callback of the code under test can look at one instant.
 */
export function openFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) found.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return found;
}
