// Child of bench/live-views-bench.ts: a record database with the PVs of 2 gateways and STATUS, idle;
// with the argument "web", also the agent's web server on it (loopback, ephemeral port). Prints its port
// ("ready 0" without) and then sleeps until killed. Runs the compiled code (dist/) so no TypeScript loader
// is measured, and makes no request itself (fetch would load undici, which the agent never does).
import { GatewayPvs } from '../dist/agent/gateway-records.js';
import { RecordDatabase } from '../dist/ioc/db/record-database.js';
import { memoryLogger } from '../dist/log.js';

const db = new RecordDatabase();
const noop = () => undefined;
for (const name of ['GWF01', 'GWR01'])
  new GatewayPvs({
    db,
    prefix: 'B:',
    name,
    label: name,
    controlAsg: 'GWCONTROL',
    alarms: {},
    autorestart: true,
    controls: { start: noop, stop: noop, restart: noop, reload: noop, setAutorestart: noop },
  });
db.createRecord('mbbi', 'B:STATUS', { ZRST: 'Ok', ONST: 'Degraded', TWST: 'Fault', VAL: 0 });
let port = 0;
if (process.argv[2] === 'web') {
  const { WebServer } = await import('../dist/agent/http/web-server.js');
  const web = await WebServer.start({
    settings: { enabled: true, address: '127.0.0.1', port: 0, maxConnections: 64, maxEventClients: 16 },
    provider: db,
    prefix: 'B:',
    container: 'B',
    gateways: () => ['GWF01', 'GWR01'],
    disks: () => [],
    log: memoryLogger(),
  });
  port = web.port;
}
setInterval(noop, 1 << 30);
console.log(`ready ${port}`);
