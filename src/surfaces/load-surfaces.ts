// Reads what the surfaces are generated from: a site inventory (SITE.json, rendered to its agent
// configs first, exactly as `gwagent site render` would) or one agent config (AGENT.ini). Every problem
// is collected and thrown as one ProblemsError (exit 78), naming the file and the item.
import { basename, extname } from 'node:path';
import { ProblemsError, type Problem } from '../errors.js';
import { checkAgentText, loadAgentConfig, type AgentConfig } from '../gwconfig/index.js';
import { loadSite } from '../gwconfig/site-model.js';
import { renderSite } from '../gwconfig/site-render.js';
import { surfaceSite, type SurfaceSite } from './surface-model.js';

/** Loads SITE.json or AGENT.ini; `name` overrides the site name (default: the file's base name). */
export function loadSurfaceSite(path: string, name?: string): { site: SurfaceSite; warnings: Problem[] } {
  const configs: AgentConfig[] = [];
  const warnings: Problem[] = [];
  if (extname(path) === '.json') {
    const loaded = loadSite(path);
    warnings.push(...loaded.problems);
    const rendered = renderSite(loaded.site);
    const errors = rendered.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new ProblemsError('GW_CONFIG_INVALID', errors);
    for (const [file, text] of Object.entries(rendered.agents))
      configs.push(checkAgentText(file, text).config);
  } else {
    configs.push(loadAgentConfig(path));
  }
  const siteName =
    name ??
    (configs.length === 1 && extname(path) !== '.json'
      ? configs[0]!.agent.name
      : basename(path, extname(path)));
  const result = surfaceSite(siteName, path, configs);
  if (result.problems.length > 0) throw new ProblemsError('GW_CONFIG_INVALID', result.problems);
  return { site: result.site, warnings };
}
