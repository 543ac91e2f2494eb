// Two of our servers sharing one UDP search port on 127.0.0.1 (the second falls back to an ephemeral TCP
// port), each serving different names; libca searches by loopback broadcast (127.255.255.255), which
// reaches both sockets (ca-protocol.md §6.3), and must find and read every name.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SimplePv, SimpleProvider } from '../support/simple-pvs.js';
import { PyEpics } from './pyepics.js';
import { clientEnv, freePort, startServer, type Started } from './server-fixture.js';

const first = new SimpleProvider();
first.add(new SimplePv('ONE:A', 6, [1.5]));
first.add(new SimplePv('ONE:B', 0, ['first']));
const second = new SimpleProvider();
second.add(new SimplePv('TWO:A', 5, [2]));
second.add(new SimplePv('TWO:B', 0, ['second']));

let a: Started;
let b: Started;
let py: PyEpics;

beforeAll(async () => {
  a = await startServer(first);
  b = await startServer(second, { port: a.port });
  py = await PyEpics.start(clientEnv(a.port, await freePort(), '127.255.255.255'));
});
afterAll(async () => {
  await py?.stop();
  await b?.server.close();
  await a?.server.close();
});

it('the two servers share the UDP port and advertise different TCP ports', () => {
  expect(b.server.udpPort).toBe(a.server.udpPort);
  expect(a.server.tcpPort).toBe(a.port);
  expect(b.server.tcpPort).not.toBe(a.server.tcpPort);
});

it('libca finds and reads the names of both servers', async () => {
  const results = await Promise.all(
    ['ONE:A', 'ONE:B', 'TWO:A', 'TWO:B'].map(async (name) => {
      const c = await py.do({ op: 'connect', name, timeout: 10 });
      return c.connected ? (await py.do({ op: 'get', name })).value : 'not connected';
    }),
  );
  expect(results).toEqual([1.5, 'first', 2, 'second']);
  expect(a.server.channelCount).toBe(2);
  expect(b.server.channelCount).toBe(2);
});

it('closing one server disconnects only its channels', async () => {
  await py.do({ op: 'conn', name: 'TWO:A', min: 1 });
  await b.server.close();
  expect((await py.do({ op: 'conn', name: 'TWO:A', min: 2 })).history).toEqual([true, false]);
  expect((await py.do({ op: 'conn', name: 'ONE:A', min: 1 })).history).toEqual([true]);
  expect((await py.do({ op: 'get', name: 'ONE:A' })).value).toBe(1.5);
});
