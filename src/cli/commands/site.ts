// `gwagent site render|table`: turns a site inventory into one agent INI per enabled container plus a
// hosts file, or prints the inventory as Markdown and Confluence tables. Problems exit 78.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { EX_CONFIG, GwError, ProblemsError, formatProblem } from '../../errors.js';
import { loadSite } from '../../gwconfig/site-model.js';
import { renderSite } from '../../gwconfig/site-render.js';
import { confluenceTable, markdownTable } from '../../gwconfig/site-table.js';
import { writeIfChanged } from '../../gwconfig/write-rendered.js';

const USAGE = `Usage:
  gwagent site render SITE.json --out DIR
      Write DIR/<HOSTNAME>.ini for every enabled container and DIR/hosts; refuses (exit 78) when any
      generated configuration would fail \`gwagent config check\`.
  gwagent site table SITE.json [--format markdown|confluence|both]
      Print containers, interfaces, gateways and addresses as tables (default: both).`;

async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseOptions(rest, { out: { type: 'string' }, format: { type: 'string' } });
  const file = positionals[0];
  if (sub === undefined || file === undefined || positionals.length > 1)
    throw new GwError('GW_USAGE', `expected a subcommand and one SITE.json\n${USAGE}`);
  let loaded;
  try {
    loaded = loadSite(file);
  } catch (err) {
    if (!(err instanceof ProblemsError)) throw err;
    for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
    return EX_CONFIG;
  }
  for (const p of loaded.problems) process.stderr.write(formatProblem(p) + '\n');
  const { site } = loaded;
  if (sub === 'table') {
    const format = values.format ?? 'both';
    if (!['markdown', 'confluence', 'both'].includes(format))
      throw new GwError('GW_USAGE', `--format must be markdown, confluence or both\n${USAGE}`);
    if (format !== 'confluence') process.stdout.write(markdownTable(site));
    if (format === 'both') process.stdout.write('\n');
    if (format !== 'markdown') process.stdout.write(confluenceTable(site));
    return 0;
  }
  if (sub === 'render') {
    if (values.out === undefined) throw new GwError('GW_USAGE', `site render needs --out DIR\n${USAGE}`);
    const rendered = renderSite(site);
    for (const p of rendered.problems) process.stderr.write(formatProblem(p) + '\n');
    if (rendered.problems.some((p) => p.severity === 'error')) return EX_CONFIG;
    await mkdir(values.out, { recursive: true });
    const files: [string, string][] = [...Object.entries(rendered.agents), ['hosts', rendered.hosts]];
    for (const [name, text] of files) {
      const path = join(values.out, name);
      process.stdout.write(`${(await writeIfChanged(path, text)) ? 'wrote' : 'unchanged'} ${path}\n`);
    }
    return 0;
  }
  throw new GwError('GW_USAGE', `unknown site subcommand "${sub}"\n${USAGE}`);
}

export const command: Command = {
  summary: 'render agent configurations and tables from a site inventory',
  usage: USAGE,
  run,
};
