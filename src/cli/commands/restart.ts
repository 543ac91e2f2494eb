// `gwagent restart NAME|all`: asks the running agent to restart a child and prints the result.
import { childCommand } from '../control-commands.js';

export const command = childCommand(
  'restart',
  'restart a supervised gateway (or all)',
  'Stops NAME and starts it again; returns once the new process is starting.',
);
