// The one configuration check that looks at the file system: a gateway `binary` given as a path that
// exists but cannot be run (no execute permission, a directory) is an error, so `config check`,
// `gwagent run` and a reload stop with exit 78 naming it before anything is written. A bare name
// (looked up on PATH) or a path that does not exist yet is left to the supervisor: the gateway is then
// FATAL "gateway binary not found" until a reload or the file appears (a running agent must not die).
import { accessSync, constants, statSync } from 'node:fs';
import type { IniDocument } from './ini-source.js';
import type { ProblemList } from './problems.js';
import type { AgentConfig } from './types.js';

/** Why an existing path cannot be run, or undefined (fine, or missing: the supervisor's case). */
function unrunnable(path: string): string | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    return undefined;
  }
  if (!isFile) return 'is not a regular file';
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return 'is not executable (chmod +x, or check the mount options)';
  }
}

export function checkBinaries(config: AgentConfig, doc: IniDocument, problems: ProblemList): void {
  for (const g of config.gateways) {
    if (!g.binary.includes('/')) continue;
    const why = unrunnable(g.binary);
    if (!why) continue;
    const section = doc.sections.find((s) => s.name === `gateway.${g.name}`);
    const line = section?.entries.find((e) => e.key === 'binary')?.line ?? section?.line ?? 0;
    problems.error(line || `gateway.${g.name}.binary`, `gateway ${g.name}: binary ${g.binary} ${why}`);
  }
}
