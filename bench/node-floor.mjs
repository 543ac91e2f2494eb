// The Node floor of the CA benchmarks: the least a CA server on node:dgram and node:net can do per request,
// to tell what gwagent's own code costs from what one Node event loop costs. It answers every search, every
// CREATE_CHAN (ACCESS_RIGHTS read/write, then the reply: one DBR_DOUBLE element) and every READ_NOTIFY (the
// value 42.5), and ignores everything else: no name table, no channel state, no subscriptions, no access
// rules. Not a server: libca is only ever pointed at it by scripts/bench.mjs. It warms its handlers over real
// loopback sockets before serving, as `gwagent ioc` warms its server, so both are measured on optimised code.
// Usage: EPICS_CAS_SERVER_PORT=P node bench/node-floor.mjs  (binds 127.0.0.1:P, UDP and TCP)
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import process from 'node:process';
import {
  CA_MINOR_PROTOCOL_REVISION,
  CA_PROTO_ACCESS_RIGHTS,
  CA_PROTO_CREATE_CHAN,
  CA_PROTO_READ_NOTIFY,
  CA_PROTO_SEARCH,
  CA_PROTO_VERSION,
  DBR_DOUBLE,
  ECA_NORMAL,
  INADDR_USE_SENDER,
} from '../dist/ca/constants.js';
import { getU16, getU32, HEADER_SIZE, putU16, writeHeader } from '../dist/ca/header.js';
// Reply datagrams to IP literals without dgram's dns.lookup tick, by gwagent's own lookup.
import { literalLookup } from '../dist/ioc/server/ca-server.js';

const VALUE = 42.5;
const READ_WRITE = 3;
const port = Number(process.env.EPICS_CAS_SERVER_PORT);
if (!(port > 0)) throw new Error('set EPICS_CAS_SERVER_PORT');

/** The replies to one search datagram (null: nothing to answer). */
function answerSearch(datagram) {
  // Room for an answer per header the datagram could hold; only the part written is sent.
  const out = Buffer.allocUnsafe(Math.floor(datagram.length / HEADER_SIZE) * (HEADER_SIZE + 8));
  let o = 0;
  for (let off = 0; off + HEADER_SIZE <= datagram.length; off += HEADER_SIZE + getU16(datagram, off + 2)) {
    if (getU16(datagram, off) !== CA_PROTO_SEARCH) continue;
    o += writeHeader(out, o, CA_PROTO_SEARCH, 8, port, 0, INADDR_USE_SENDER, getU32(datagram, off + 12));
    out.fill(0, o, o + 8);
    putU16(out, o, CA_MINOR_PROTOCOL_REVISION);
    o += 8;
  }
  return o === 0 ? null : out.subarray(0, o);
}

/** Replies to the complete requests in `buf`, and how many bytes they took. */
function answerRequests(buf) {
  const parts = [];
  let off = 0;
  while (off + HEADER_SIZE <= buf.length) {
    const end = off + HEADER_SIZE + getU16(buf, off + 2);
    if (end > buf.length) break;
    const command = getU16(buf, off);
    if (command === CA_PROTO_CREATE_CHAN) {
      const cid = getU32(buf, off + 8);
      const b = Buffer.allocUnsafe(2 * HEADER_SIZE);
      writeHeader(b, 0, CA_PROTO_ACCESS_RIGHTS, 0, 0, 0, cid, READ_WRITE);
      writeHeader(b, HEADER_SIZE, CA_PROTO_CREATE_CHAN, 0, DBR_DOUBLE, 1, cid, cid);
      parts.push(b);
    } else if (command === CA_PROTO_READ_NOTIFY) {
      const b = Buffer.allocUnsafe(HEADER_SIZE + 8);
      writeHeader(b, 0, CA_PROTO_READ_NOTIFY, 8, DBR_DOUBLE, 1, ECA_NORMAL, getU32(buf, off + 12));
      b.writeDoubleBE(VALUE, HEADER_SIZE);
      parts.push(b);
    }
    off = end;
  }
  return {
    reply: parts.length === 0 ? null : parts.length === 1 ? parts[0] : Buffer.concat(parts),
    used: off,
  };
}

/** Search datagrams and TCP requests as a libca burst sends them, for the warm-up. */
function warmUpTraffic() {
  const search = Buffer.alloc(31 * (HEADER_SIZE + 24));
  const requests = Buffer.alloc(64 * (HEADER_SIZE + 16) + 64 * HEADER_SIZE);
  for (let i = 0; i < 31; i++)
    writeHeader(search, i * 40, CA_PROTO_SEARCH, 24, 5, CA_MINOR_PROTOCOL_REVISION, i, i);
  for (let i = 0; i < 64; i++) {
    writeHeader(requests, i * 32, CA_PROTO_CREATE_CHAN, 16, 0, 0, i, CA_MINOR_PROTOCOL_REVISION);
    writeHeader(requests, 64 * 32 + i * 16, CA_PROTO_READ_NOTIFY, 0, DBR_DOUBLE, 1, i, i);
  }
  // What the server sends back: VERSION once, then per round 64 x (ACCESS_RIGHTS + CREATE_CHAN) and 64 reads.
  return { search, requests, repliesPerRound: 64 * 2 * HEADER_SIZE + 64 * (HEADER_SIZE + 8) };
}

/** Answers a search datagram through the socket it came in on. */
function onDatagram(datagram, from) {
  const reply = answerSearch(datagram);
  if (reply) this.send(reply, from.port, from.address);
}

const version = Buffer.alloc(HEADER_SIZE);
writeHeader(version, 0, CA_PROTO_VERSION, 0, 0, CA_MINOR_PROTOCOL_REVISION, 0, 0);

function onConnection(socket) {
  socket.setNoDelay(true);
  socket.write(version);
  let held = null;
  socket.on('data', (chunk) => {
    const buf = held ? Buffer.concat([held, chunk]) : chunk;
    const { reply, used } = answerRequests(buf);
    held = used < buf.length ? Buffer.from(buf.subarray(used)) : null;
    if (reply) socket.write(reply);
  });
  socket.on('error', () => undefined);
}

const WARM_UP_ROUNDS = 3000;

/**
 * Before serving, as `gwagent ioc` does (src/ioc/server/warm-up.ts): a client in this process sends search
 * datagrams to a UDP socket with the serving handler, and requests to the TCP server (listening on an
 * ephemeral port for the while), so that both are measured on code V8 optimised for real sockets.
 */
async function warmUp(server) {
  const { search, requests, repliesPerRound } = warmUpTraffic();
  const udp = createSocket({ type: 'udp4', lookup: literalLookup }).on('message', onDatagram);
  const peer = createSocket('udp4');
  await Promise.all([udp, peer].map((s) => new Promise((ready) => s.bind(0, '127.0.0.1', ready))));
  let answered = 0;
  let wake = () => undefined;
  peer.on('message', () => {
    answered++;
    wake();
  });
  for (let i = 0; i < WARM_UP_ROUNDS; i++) {
    peer.send(search, udp.address().port, '127.0.0.1');
    while (answered <= i) await new Promise((resume) => (wake = resume));
  }
  udp.close();
  peer.close();

  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  const client = connect(server.address().port, '127.0.0.1');
  let received = 0;
  client.on('data', (chunk) => {
    received += chunk.length;
    wake();
  });
  for (let i = 1; i <= WARM_UP_ROUNDS / 10; i++) {
    client.write(requests);
    while (received < HEADER_SIZE + i * repliesPerRound) await new Promise((resume) => (wake = resume));
  }
  client.end();
  await new Promise((closed) => server.close(closed));
}

const server = createServer(onConnection);
await warmUp(server);
createSocket({ type: 'udp4', lookup: literalLookup }).on('message', onDatagram).bind(port, '127.0.0.1');
server.listen(port, '127.0.0.1');
