// Micro-benchmark of the server's monitor path without sockets: posts to PVs monitored on sans-I/O
// Circuits (fake transport), flushing as the socket adapter would. Isolates the JavaScript cost per
// event (post, encode, enqueue, collect) from the kernel's. Usage: npx tsx bench/circuit-micro.ts [circuits] [pvs] [ms]
import * as C from '../src/ca/constants.js';
import { Circuit } from '../src/ioc/server/circuit.js';
import { createLogger } from '../src/log.js';
import { SimplePv, SimpleProvider } from '../test/support/simple-pvs.js';

const [circuitsArg = '10', pvsArg = '10', msArg = '2000'] = process.argv.slice(2);
const provider = new SimpleProvider();
const pvs: SimplePv[] = [];
for (let i = 0; i < Number(pvsArg); i++) pvs.push(provider.add(new SimplePv(`M:${i}`, C.DBF_DOUBLE, [0])));

let bytes = 0;
let writes = 0;
let deferred: (() => void)[] = [];
const circuits: Circuit[] = [];
for (let c = 0; c < Number(circuitsArg); c++) {
  const circuit = new Circuit(
    provider,
    { ip: '127.0.0.1', port: 40000 + c },
    {
      write(data) {
        bytes += data.length;
        writes++;
        return true;
      },
      close: () => undefined,
      defer: (fn) => deferred.push(fn),
      pauseInput: () => undefined,
      resumeInput: () => undefined,
      setTimer: () => () => undefined,
      now: () => performance.now(),
    },
    createLogger('micro', 'warn'),
  );
  pvs.forEach((pv, i) => circuit.addSubscription(circuit.createChannel(i, pv), i, C.DBR_TIME_DOUBLE, 1, 5));
  circuits.push(circuit);
}
const runDeferred = () => {
  const fns = deferred;
  deferred = [];
  for (const fn of fns) fn();
};
runDeferred();
bytes = 0;
writes = 0;

const cpu0 = process.cpuUsage();
const end = performance.now() + Number(msArg);
const t0 = performance.now();
let value = 0;
let rounds = 0;
while (performance.now() < end) {
  for (let k = 0; k < 100; k++) {
    value++;
    const stamp = { secPastEpoch: 1_000_000 + value, nsec: 0 };
    for (const pv of pvs) pv.set([value], { stamp });
    runDeferred();
    rounds++;
  }
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const events = rounds * pvs.length * circuits.length;
console.log(
  JSON.stringify({
    circuits: circuits.length,
    pvs: pvs.length,
    events,
    eventsPerSecond: Math.round(events / seconds),
    nsPerEvent: Math.round((seconds * 1e9) / events),
    // CPU time is steadier than wall time on a shared machine.
    cpuNsPerEvent: Math.round(((cpu.user + cpu.system) * 1e3) / events),
    bytesPerEvent: bytes / events,
    writes,
  }),
);
