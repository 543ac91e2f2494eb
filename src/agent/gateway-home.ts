// A gateway's home directory: where it writes gateway.killer, gateway.restart and its reports.
import { chown, mkdir, readFile } from 'node:fs/promises';
import type { GatewayConfig } from '../gwconfig/index.js';
import { parsePasswd } from '../supervisor/index.js';

/**
 * Creates a gateway's home directory (where it writes gateway.killer, gateway.restart and its reports);
 * when the agent runs as root and the gateway as an unprivileged user, that user owns it.
 */
export async function prepareHome(
  g: Pick<GatewayConfig, 'home' | 'user'>,
  passwdPath = '/etc/passwd',
): Promise<void> {
  await mkdir(g.home, { recursive: true });
  if (g.user === undefined || process.getuid?.() !== 0) return;
  const entry = parsePasswd(await readFile(passwdPath, 'utf8')).find(
    (e) => e.name === g.user || String(e.uid) === g.user,
  );
  // An unknown user is reported by the supervisor (FATAL, "user not found"), not here.
  if (entry) await chown(g.home, entry.uid, entry.gid);
}
