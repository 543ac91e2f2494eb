// A throwaway agent for orphans.int.test.ts: supervises one child and waits to be SIGKILLed.
// Usage: node --import tsx orphan-agent.ts STATE_DIR LOG_DIR COMMAND [ARGS...]
import { Supervisor } from '../../src/supervisor/supervisor.js';

const [stateDir, logDir, command, ...args] = process.argv.slice(2);
const sup = new Supervisor({ stateDir: stateDir!, logDir: logDir! });
sup.add({ name: 'survivor', command: command!, args, startSecs: 0.2 });
sup.on('state', (e) => {
  if (e.state === 'running') process.stdout.write(`running ${e.pid}\n`);
});
sup.start('survivor');
