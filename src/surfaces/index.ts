// Public surface of the control-room renderers: Phoebus displays (.bob), the Phoebus alarm-server
// configuration and the ALH configuration, generated from a site or one agent config. Pure renderers;
// the commands write the files with gwconfig's atomic writer.
import { renderAlarmConfig, type AlarmRenderOptions } from './render-alarms.js';
import { renderAlhConfig } from './render-alh.js';
import { renderOverview } from './render-overview.js';
import { panelFile, renderPanel } from './render-panel.js';
import type { SurfaceSite } from './surface-model.js';

export { loadSurfaceSite } from './load-surfaces.js';
export { surfaceSite, containerOf, type SurfaceSite, type SurfaceContainer } from './surface-model.js';
export { panelFile, type AlarmRenderOptions };

/** File name of the site overview. */
export const OVERVIEW_FILE = 'overview.bob';

/** Every display file of a site: one panel per container and the overview. Pure. */
export function renderDisplays(site: SurfaceSite): Record<string, string> {
  const files: Record<string, string> = {};
  for (const c of site.containers) files[panelFile(c.name)] = renderPanel(c);
  files[OVERVIEW_FILE] = renderOverview(site);
  return files;
}

/** The alarm configurations of a site: Phoebus (`<site>.xml`) and ALH (`<site>.alhConfig`). Pure. */
export function renderAlarms(site: SurfaceSite, o: AlarmRenderOptions): Record<string, string> {
  return {
    [`${site.name}.xml`]: renderAlarmConfig(site, o),
    [`${site.name}.alhConfig`]: renderAlhConfig(site, o),
  };
}
