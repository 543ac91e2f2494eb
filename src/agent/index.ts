// Public surface of the agent (`gwagent run`): the composition of config, supervisor, IOC and CA client.
export { Agent } from './agent.js';
export type { AgentOptions } from './agent.js';
