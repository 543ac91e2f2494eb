// The engine targets of `site render --target`: plans the site once, then renders it for one engine.
// Every problem (the plan's and the target's) is reported together; files only when there is none.
// Pure.
import type { Problem } from '../errors.js';
import { planSite } from './engine-plan.js';
import { incusProblems, renderIncus } from './render-incus.js';
import { renderCompose, type ComposeOptions } from './render-compose.js';
import { renderKubernetes } from './render-kubernetes.js';
import type { Site } from './site-model.js';

export const ENGINE_TARGETS = ['kubernetes', 'compose', 'incus'] as const;
export type EngineTarget = (typeof ENGINE_TARGETS)[number];

export function isEngineTarget(value: string): value is EngineTarget {
  return (ENGINE_TARGETS as readonly string[]).includes(value);
}

/** The default image: what the image build tags for this gwagent version. */
export function defaultImage(version: string): string {
  return `localhost/gwagent:${version}`;
}

export function renderEngineTarget(
  site: Site,
  target: EngineTarget,
  image: string,
  compose: ComposeOptions = {},
): { files: Record<string, string>; problems: Problem[] } {
  const { plan, problems } = planSite(site, image);
  if (target === 'incus')
    for (const p of incusProblems(plan)) problems.push({ file: site.file, ...p, severity: 'error' });
  if (problems.some((p) => p.severity === 'error')) return { files: {}, problems };
  const render = {
    kubernetes: renderKubernetes,
    compose: (p: typeof plan) => renderCompose(p, compose),
    incus: renderIncus,
  }[target];
  return { files: render(plan), problems };
}
