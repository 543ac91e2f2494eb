// `gwagent config check|render|explain`: validates an agent INI file, writes every gateway's files, or
// explains how one gateway treats a PV name. Config problems print as FILE:LINE: error: reason, exit 78.
import type { Command } from '../command.js';
import { parseOptions } from '../command.js';
import { EX_CONFIG, GwError, formatProblem } from '../../errors.js';
import { checkAgentText, explain, renderAll, writeRendered, type AgentConfig } from '../../gwconfig/index.js';
import { readConfigFile } from '../../gwconfig/load-agent.js';
import { isIpv4 } from '../../net.js';
import { pvNameProblem } from '../../ca/pv-name.js';

const USAGE = `Usage:
  gwagent config check FILE
      Validate an agent configuration; prints every problem as FILE:LINE: error|warning: reason.
      Exit 0 when there are no errors (warnings allowed), 78 otherwise.
  gwagent config render FILE --out DIR
      Write each gateway's pvlist, access file, command file and launch.json into DIR/<gateway>/,
      only files whose content changed; prints which gateways need a reload and which a restart.
  gwagent config explain FILE --gateway NAME --pv PVNAME [--from IP] [--user U --host H]
      Is the PV served by the gateway, by which pvlist line (and config line), read or write, and why.`;

/** Loads and validates, printing problems to stderr; undefined when there were errors. */
function load(file: string): AgentConfig | undefined {
  const result = checkAgentText(file, readConfigFile(file), true);
  for (const p of result.problems) process.stderr.write(formatProblem(p) + '\n');
  return result.hasErrors ? undefined : result.config;
}

async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseOptions(rest, {
    out: { type: 'string' },
    gateway: { type: 'string' },
    pv: { type: 'string' },
    from: { type: 'string' },
    user: { type: 'string' },
    host: { type: 'string' },
  });
  const file = positionals[0];
  if (sub === undefined || file === undefined || positionals.length > 1)
    throw new GwError('GW_USAGE', `expected a subcommand and one FILE\n${USAGE}`);
  if (sub === 'check') {
    const config = load(file);
    if (config === undefined) return EX_CONFIG;
    process.stdout.write(
      `${file}: ok (${config.gateways.length} gateway${config.gateways.length === 1 ? '' : 's'}: ${config.gateways.map((g) => g.name).join(', ')})\n`,
    );
    return 0;
  }
  if (sub === 'render') {
    if (values.out === undefined) throw new GwError('GW_USAGE', `config render needs --out DIR\n${USAGE}`);
    const config = load(file);
    if (config === undefined) return EX_CONFIG;
    const report = await writeRendered(values.out, renderAll(config));
    for (const path of report.written) process.stdout.write(`wrote ${path}\n`);
    process.stdout.write(
      `reload: ${report.reload.join(' ') || '-'}\nrestart: ${report.restart.join(' ') || '-'}\n`,
    );
    if (report.removed.length > 0) process.stdout.write(`removed: ${report.removed.join(' ')}\n`);
    return 0;
  }
  if (sub === 'explain') {
    if (values.gateway === undefined || values.pv === undefined)
      throw new GwError('GW_USAGE', `config explain needs --gateway NAME and --pv PVNAME\n${USAGE}`);
    // The gateway never sees a name libca refuses: say so, as `gwagent ca` does.
    const nameProblem = pvNameProblem(values.pv);
    if (nameProblem !== undefined) throw new GwError('GW_USAGE', `--pv: ${nameProblem}`);
    const config = load(file);
    if (config === undefined) return EX_CONFIG;
    const request: Parameters<typeof explain>[2] = { pv: values.pv };
    if (values.from !== undefined) {
      // The gateway compares the search's source IP as a dotted quad; a name would never match.
      if (!isIpv4(values.from))
        throw new GwError('GW_USAGE', `--from must be a numeric IPv4 address, got "${values.from}"`);
      request.from = values.from;
    }
    if (values.user !== undefined) request.user = values.user;
    if (values.host !== undefined) request.host = values.host;
    const result = explain(config, values.gateway, request);
    const verdict = result.served
      ? `served, ${result.access}${result.realName !== values.pv ? ` (upstream ${result.realName ?? ''})` : ''}`
      : 'not served';
    process.stdout.write(`${values.gateway} ${values.pv}: ${verdict}\n`);
    for (const reason of result.reasons) process.stdout.write(`  ${reason}\n`);
    return 0;
  }
  throw new GwError('GW_USAGE', `unknown config subcommand "${sub}"\n${USAGE}`);
}

export const command: Command = {
  summary: 'check, render or explain an agent configuration (gateway pvlist, access file, command line)',
  usage: USAGE,
  run,
};
