// `gwagent alarms render SITE.json|AGENT.ini --out DIR`: the Phoebus alarm-server configuration and the
// classic ALH configuration of a site. Rendered in memory, written all or nothing; exit 78 on bad input.
import type { Command } from '../command.js';
import { renderAlarms } from '../../surfaces/index.js';
import { loadSurfaceInput, writeSurfaceFiles } from './surface-io.js';

const USAGE = `Usage:
  gwagent alarms render SITE.json|AGENT.ini --out DIR [--name NAME] [--display-base PATH]
      Write DIR/<NAME>.xml (Phoebus alarm server: alarm-server -import) and DIR/<NAME>.alhConfig (ALH).
      NAME: the alarm tree's root (default: the file's base name, or the agent name).
      PATH: where the panels of \`gwagent display render\` are installed, as Phoebus opens them
      (a directory or file: URL; default "displays").`;

async function run(argv: string[]): Promise<number> {
  const input = loadSurfaceInput(argv, 'alarms', USAGE, { 'display-base': { type: 'string' } });
  if (typeof input === 'number') return input;
  const displayBase = input.values['display-base'] ?? 'displays';
  return writeSurfaceFiles(input.out, renderAlarms(input.site, { displayBase }));
}

export const command: Command = {
  summary: 'render the Phoebus alarm-server and ALH configurations for a site',
  usage: USAGE,
  run,
};
