// Public surface of the config generator, for the agent's entry point and other domains. Other code
// imports from here only, never from the individual modules.
export type * from './types.js';
export { loadAgentConfig, checkAgentText, type CheckResult } from './load-agent.js';
export {
  renderGateway,
  renderAll,
  gatewayFilesDir,
  FILE_NAMES,
  type RenderedGateway,
} from './render-gateway.js';
export { writeRendered, launchText, type WriteReport } from './write-rendered.js';
export { explain, type Explanation, type ExplainRequest } from './explain.js';
export { clientAddressList, serverAddress, loopDenyAddress } from './topology.js';
export { GATEWAY_CONTROL_PVS, GATEWAY_STAT_PVS } from './internal-pv-names.js';
