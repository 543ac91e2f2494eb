// Entry points for agent configs: check text (every problem, errors and warnings) and load a file into a
// validated AgentConfig or throw ProblemsError (GW_CONFIG_INVALID) listing every error.
// The only file reading of the config model happens here.
import { readFileSync } from 'node:fs';
import { GwError, ProblemsError, type Problem } from '../errors.js';
import { checkBinaries } from './check-binaries.js';
import { readIni } from './ini-source.js';
import { parseAgent } from './parse-agent.js';
import { ProblemList, sortProblems } from './problems.js';
import { validateAgent } from './validate-agent.js';
import type { AgentConfig } from './types.js';

/** Result of checking a config: the model (even with errors, for best-effort tooling) and every problem. */
export interface CheckResult {
  config: AgentConfig;
  problems: Problem[];
  hasErrors: boolean;
}

/**
 * Parses and validates agent INI text. Pure unless `isCheckingFiles` (config check, run, reload): then
 * the gateways' binaries are also checked on this machine.
 */
export function checkAgentText(file: string, text: string, isCheckingFiles = false): CheckResult {
  const problems = new ProblemList(file);
  if (looksLikeJson(text)) {
    // One line instead of one "not a key = value line" per line of JSON.
    problems.error(
      1,
      'this looks like a JSON site inventory, not an agent INI file; `gwagent site render FILE --out DIR` reads those and writes one agent INI per container',
    );
    const config = parseAgent(readIni(file, ''), new ProblemList(file));
    return { config, problems: problems.items, hasErrors: true };
  }
  const doc = readIni(file, text);
  const config = parseAgent(doc, problems);
  validateAgent(config, problems);
  if (isCheckingFiles) checkBinaries(config, doc, problems);
  return { config, problems: sortProblems(problems.items), hasErrors: problems.hasErrors };
}

function looksLikeJson(text: string): boolean {
  const start = text.trimStart();
  if (!start.startsWith('{')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new GwError('GW_CONFIG_READ', `${path}: cannot read: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads and validates an agent INI file; throws ProblemsError (GW_CONFIG_INVALID) with every error. */
export function loadAgentConfig(path: string): AgentConfig {
  const result = checkAgentText(path, readConfigFile(path), true);
  if (result.hasErrors) {
    throw new ProblemsError(
      'GW_CONFIG_INVALID',
      result.problems.filter((p) => p.severity === 'error'),
    );
  }
  return result.config;
}
