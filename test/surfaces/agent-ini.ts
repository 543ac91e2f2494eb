// Test-only: turns an example agent config into one that runs on this machine's loopback: every
// address mapped from 10.a.b.c to 127.a.b.c (nothing leaves the host), the health IOC and every gateway
// server on free ports of 127.0.0.1 / their 127.x address, state and logs in a temp dir, gateway
// binaries that do not exist (the agent serves their PVs with STATE FATAL). Not a test file.
import { join } from 'node:path';
import { freePort } from '../support/ports.js';

/** Sets `key = value` in `[section]`, replacing an existing key or adding it (and the section). */
export function setKey(ini: string, section: string, key: string, value: string): string {
  const lines = ini.split('\n');
  const start = lines.findIndex((l) => l.trim() === `[${section}]`);
  if (start < 0) return `${ini.trimEnd()}\n\n[${section}]\n${key} = ${value}\n`;
  let end = lines.findIndex((l, i) => i > start && l.trim().startsWith('['));
  if (end < 0) end = lines.length;
  const at = lines.findIndex((l, i) => i > start && i < end && new RegExp(`^${key}\\s*=`).test(l));
  if (at >= 0) lines[at] = `${key} = ${value}`;
  else lines.splice(start + 1, 0, `${key} = ${value}`);
  return lines.join('\n');
}

export async function loopbackIni(ini: string, dir: string): Promise<{ text: string; iocPort: number }> {
  let text = ini.replace(/\b10\.(\d+)\.(\d+)\.(\d+)\b/g, '127.$1.$2.$3').replace(/^user = .*$/gm, '');
  const iocPort = await freePort();
  text = setKey(text, 'agent', 'state_dir', join(dir, 'state'));
  text = setKey(text, 'agent', 'log_dir', join(dir, 'log'));
  text = setKey(text, 'ioc', 'address', '127.0.0.1');
  text = setKey(text, 'ioc', 'port', String(iocPort));
  text = setKey(text, 'ioc', 'beacon_addresses', '127.0.0.1');
  text = setKey(text, 'control', 'socket', join(dir, 'control.sock'));
  for (const [, name] of text.matchAll(/^\[gateway\.([^\]]+)\]$/gm)) {
    text = setKey(text, `gateway.${name}`, 'binary', join(dir, 'no-such-gateway'));
    text = setKey(text, `gateway.${name}`, 'server_port', String(await freePort()));
  }
  return { text, iocPort };
}
