// Shared by `display render` and `alarms render`: parses the command line, loads the site (every problem
// printed, exit 78) and writes the rendered files all or nothing (an unwritable --out exits 78).
import { parseOptions } from '../command.js';
import { EX_CONFIG, GwError, ProblemsError, formatProblem } from '../../errors.js';
import { writeAllAtomically } from '../../gwconfig/write-rendered.js';
import { loadSurfaceSite, type SurfaceSite } from '../../surfaces/index.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

type Extra = Record<string, { type: 'string' }>;

export function loadSurfaceInput(
  argv: string[],
  command: string,
  usage: string,
  extra: Extra = {},
): { site: SurfaceSite; out: string; values: Record<string, string | undefined> } | number {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseOptions(rest, {
    out: { type: 'string' },
    name: { type: 'string' },
    ...extra,
  });
  const file = positionals[0];
  if (sub !== 'render')
    throw new GwError('GW_USAGE', `unknown ${command} subcommand "${sub ?? ''}"\n${usage}`);
  if (file === undefined || positionals.length > 1)
    throw new GwError('GW_USAGE', `expected one SITE.json or AGENT.ini\n${usage}`);
  const out = values.out;
  if (out === undefined) throw new GwError('GW_USAGE', `${command} render needs --out DIR\n${usage}`);
  const name = values.name;
  if (name !== undefined && !NAME_RE.test(name))
    throw new GwError('GW_USAGE', `--name "${name}" may only use letters, digits and _ . -`);
  try {
    const { site, warnings } = loadSurfaceSite(file, name);
    for (const p of warnings) process.stderr.write(formatProblem(p) + '\n');
    if (!NAME_RE.test(site.name))
      throw new GwError(
        'GW_USAGE',
        `site name "${site.name}" may only use letters, digits and _ . -; give --name`,
      );
    return { site, out, values: values };
  } catch (err) {
    if (!(err instanceof ProblemsError)) throw err;
    for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
    return EX_CONFIG;
  }
}

export async function writeSurfaceFiles(out: string, files: Record<string, string>): Promise<number> {
  try {
    const { written, unchanged } = await writeAllAtomically(out, files);
    for (const path of written) process.stdout.write(`wrote ${path}\n`);
    for (const path of unchanged) process.stdout.write(`unchanged ${path}\n`);
    return 0;
  } catch (err) {
    if (err instanceof GwError && err.code === 'GW_IO')
      // An output that cannot be written is refused like a bad config (78), as for the gateway files.
      throw new GwError('GW_CONFIG_INVALID', `--out ${out}: nothing written: ${err.message}`, {
        cause: err,
      });
    throw err;
  }
}
