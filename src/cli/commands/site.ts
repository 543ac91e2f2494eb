// `gwagent site render|table`: turns a site inventory into one agent INI per enabled container plus a
// hosts file, or into an engine's files (Kubernetes, Compose, Incus), or prints the inventory as
// Markdown and Confluence tables. Problems exit 78 and nothing is written.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { EX_CONFIG, GwError, ProblemsError, formatProblem } from '../../errors.js';
import {
  ENGINE_TARGETS,
  defaultImage,
  isEngineTarget,
  renderEngineTarget,
} from '../../gwconfig/engine-targets.js';
import type { ComposeOptions } from '../../gwconfig/render-compose.js';
import { loadSite, type Site } from '../../gwconfig/site-model.js';
import { renderSite } from '../../gwconfig/site-render.js';
import { confluenceTable, markdownTable } from '../../gwconfig/site-table.js';
import { writeIfChanged } from '../../gwconfig/write-rendered.js';

const USAGE = `Usage:
  gwagent site render SITE.json --out DIR
      Write DIR/<HOSTNAME>.ini for every enabled container and DIR/hosts; refuses (exit 78) when any
      generated configuration would fail \`gwagent config check\`.
  gwagent site render SITE.json --target kubernetes|compose|incus --out DIR
      Write the site for a container engine (see docs/engines.md): Kubernetes manifests with a
      kustomization.yaml, a compose.yaml with the INIs, or Incus profiles and instances. Refuses (exit
      78, nothing written) a site whose containers cannot all be placed. With compose,
      --internal-bridges makes every VLAN an internal bridge on the one host in place of macvlan
      (same subnets and addresses, no traffic leaves the host: a test bench, as CI runs it).
  gwagent site table SITE.json [--format markdown|confluence|both]
      Print containers, interfaces, gateways and addresses as tables (default: both).`;

async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseOptions(rest, {
    out: { type: 'string' },
    format: { type: 'string' },
    target: { type: 'string' },
    'internal-bridges': { type: 'boolean' },
  });
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
    const internalBridges = values['internal-bridges'] === true;
    if (internalBridges && values.target !== 'compose')
      throw new GwError('GW_USAGE', `--internal-bridges is for --target compose only\n${USAGE}`);
    if (values.target !== undefined)
      return renderTarget(site, values.target, values.out, { internalBridges });
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

async function packageVersion(): Promise<string> {
  const text = await readFile(new URL('../../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

async function renderTarget(
  site: Site,
  target: string,
  out: string,
  compose: ComposeOptions,
): Promise<number> {
  if (!isEngineTarget(target))
    throw new GwError('GW_USAGE', `--target must be one of ${ENGINE_TARGETS.join(', ')}\n${USAGE}`);
  const image = defaultImage(await packageVersion());
  const { files, problems } = renderEngineTarget(site, target, image, compose);
  for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
  if (problems.some((p) => p.severity === 'error')) return EX_CONFIG;
  await mkdir(out, { recursive: true });
  for (const name of Object.keys(files).sort()) {
    const path = join(out, name);
    process.stdout.write(
      `${(await writeIfChanged(path, files[name] ?? '')) ? 'wrote' : 'unchanged'} ${path}\n`,
    );
  }
  // Files of an earlier render for containers or VLANs that are gone: named, never deleted.
  for (const name of (await readdir(out)).sort())
    if (/\.(yaml|ini)$/.test(name) && files[name] === undefined)
      process.stdout.write(`not rendered ${join(out, name)}: remove it if it came from an earlier render\n`);
  return 0;
}

export const command: Command = {
  summary: 'render agent configurations and tables from a site inventory',
  usage: USAGE,
  run,
};
