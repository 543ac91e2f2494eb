// Test-only: where the real EPICS programs (ca-gateway, softIoc, caget, caRepeater) are: EPICS_PEERS, or
// ../shared/peers/epics next to the repository. Suites that need them use describeWithPeers: where the
// peers are absent (a user's clone) the suite is skipped with one line saying what was skipped; under
// CI=true their absence fails the run instead.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function findPeers(): string | undefined {
  const candidates = [process.env['EPICS_PEERS'], resolve(REPO, '../shared/peers/epics')];
  return candidates.find((dir): dir is string => !!dir && existsSync(join(dir, 'bin/linux-x86_64/gateway')));
}

/** The peers' root directory, or undefined when they are not on this machine. */
export const PEERS_DIR = findPeers();

/** Full path of a peers program (`gateway`, `softIoc`, `caget`, `caRepeater` ...). */
export function peerBin(name: string): string {
  if (!PEERS_DIR) throw new Error('EPICS peers not found (set EPICS_PEERS)');
  return join(PEERS_DIR, 'bin/linux-x86_64', name);
}

/** softIoc's database definition (softIoc needs it passed with -D). */
export function softIocDbd(): string {
  if (!PEERS_DIR) throw new Error('EPICS peers not found (set EPICS_PEERS)');
  return join(PEERS_DIR, 'dbd/softIoc.dbd');
}

/** Why a suite cannot run here (peers missing, not root for namespaces), or undefined. */
export function missingFor(needs: { netns?: boolean } = {}): string | undefined {
  if (!PEERS_DIR) return 'EPICS peers not found (set EPICS_PEERS or provide ../shared/peers/epics)';
  if (needs.netns && process.getuid?.() !== 0) return 'network namespaces need root';
  return undefined;
}

/**
 * describe() for suites that run the real EPICS programs. Absent peers: skipped with one line on
 * stderr, or, with CI=true, a failing suite that says what is missing.
 */
export function describeWithPeers(title: string, fn: () => void, needs: { netns?: boolean } = {}): void {
  const missing = missingFor(needs);
  if (!missing) {
    describe(title, fn);
    return;
  }
  if (process.env['CI'] === 'true') {
    describe(title, () => {
      throw new Error(`${title}: ${missing} (CI=true: the real EPICS peers are required)`);
    });
    return;
  }
  process.stderr.write(`skipped: "${title}" against the real EPICS programs: ${missing}\n`);
  describe.skip(title, fn);
}
