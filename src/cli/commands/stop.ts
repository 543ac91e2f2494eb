// `gwagent stop NAME|all`: asks the running agent to stop a child and prints the result.
import { childCommand } from '../control-commands.js';

export const command = childCommand(
  'stop',
  'stop a supervised gateway (or all)',
  'SIGTERM to the process group, SIGKILL after the stop timeout; returns when it is stopped.',
);
