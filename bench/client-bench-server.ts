// Benchmark target for the client benchmark: gwagent's CA server in its own process, serving
// BENCH:GET (a DOUBLE for get round-trips) and BENCH:MON (a DOUBLE posted in a tight loop while anyone
// monitors it). Bench-only. Usage: node --import tsx bench/client-bench-server.ts PORT
import * as C from '../src/ca/constants.js';
import { startCaServer } from '../src/ioc/server/ca-server.js';
import { memoryLogger } from '../src/log.js';
import { SimplePv, SimpleProvider } from '../test/support/simple-pvs.js';

const port = Number(process.argv[2]);
const provider = new SimpleProvider();
provider.add(new SimplePv('BENCH:GET', C.DBF_DOUBLE, [42.5]));
const mon = provider.add(new SimplePv('BENCH:MON', C.DBF_DOUBLE, [0]));

const server = await startCaServer({
  provider,
  log: memoryLogger(),
  env: {
    EPICS_CAS_INTF_ADDR_LIST: '127.0.0.1',
    EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
    EPICS_CAS_BEACON_ADDR_LIST: '127.0.0.1',
    EPICS_CAS_BEACON_PORT: String(port + 1),
    EPICS_CAS_SERVER_PORT: String(port),
  },
});

// Post in bursts while a monitor exists; setImmediate lets the server's sockets drain between bursts.
let n = 0;
const post = (): void => {
  if (mon.listenerCount > 0) for (let i = 0; i < 50; i++) mon.set([++n]);
  setImmediate(post);
};
post();
process.stdout.write(`ready ${server.tcpPort}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
