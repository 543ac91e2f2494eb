// `gwagent display render SITE.json|AGENT.ini --out DIR`: the Phoebus displays of a site (one IOC
// status panel per container and the Gateway Status overview). Everything is rendered in memory first,
// then written all or nothing; bad input or an unwritable DIR exits 78 naming the item.
import type { Command } from '../command.js';
import { renderDisplays } from '../../surfaces/index.js';
import { loadSurfaceInput, writeSurfaceFiles } from './surface-io.js';

const USAGE = `Usage:
  gwagent display render SITE.json|AGENT.ini --out DIR [--name NAME]
      Write DIR/<CONTAINER>.bob (the IOC status panel of each container; macro P = its PV prefix)
      and DIR/overview.bob (the Gateway Status table of the site), Phoebus Display Builder files.
      NAME is the title of the overview (default: the file's base name, or the agent name).`;

async function run(argv: string[]): Promise<number> {
  const input = loadSurfaceInput(argv, 'display', USAGE);
  if (typeof input === 'number') return input;
  return writeSurfaceFiles(input.out, renderDisplays(input.site));
}

export const command: Command = {
  summary: 'render Phoebus displays (IOC status panels, gateway overview) for a site',
  usage: USAGE,
  run,
};
