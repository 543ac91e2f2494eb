// `gwagent start NAME|all`: asks the running agent to start a child and prints the result.
import { childCommand } from '../control-commands.js';

export const command = childCommand(
  'start',
  'start a supervised gateway (or all)',
  'Starts NAME (resetting its restart delay); prints its state.',
);
