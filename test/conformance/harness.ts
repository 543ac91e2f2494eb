// Test-only harness for catvs-style conformance tests: drives the sans-I/O Circuit through an in-memory
// transport and takes the bytes it writes apart. Requests are framed here by hand (header fields in
// network order), independently of src/ca/messages.ts, so the encoder under test never builds its own
// expectations. Not a test file: no assertions beyond framing sanity.
import { Circuit } from '../../src/ioc/server/circuit.js';
import { cstr, fields, frame, MemoryTransport, type Wire } from '../support/ca-wire.js';
import { memoryLogger } from '../../src/log.js';
import { SimpleProvider } from '../support/simple-pvs.js';

export {
  cstr,
  eventMask,
  f64,
  fields,
  frame,
  headerBytes,
  i16,
  i32,
  MemoryTransport,
  splitMessages,
  type Wire,
} from '../support/ca-wire.js';

export interface Rig {
  provider: SimpleProvider;
  transport: MemoryTransport;
  circuit: Circuit;
  log: ReturnType<typeof memoryLogger>;
  /** Sends request bytes and returns every message the circuit wrote in response (deferred work run). */
  send(...requests: Buffer[]): Wire[];
  /** Creates a channel the way libca does and returns its SID (the replies are checked elsewhere). */
  open(name: string, cid: number): number;
}

/** A circuit wired to a provider the way startCaServer wires it (removal and access-change events). */
export function rig(provider = new SimpleProvider(), maxPayload?: number): Rig {
  const transport = new MemoryTransport();
  const log = memoryLogger();
  const circuit = new Circuit(provider, { ip: '127.0.0.1', port: 40000 }, transport, log, maxPayload);
  provider.onRemoved((names) => circuit.pvsRemoved(new Set(names)));
  provider.onAccessChanged(() => circuit.accessChanged());
  const send = (...requests: Buffer[]): Wire[] => {
    circuit.receive(Buffer.concat(requests));
    transport.runDeferred();
    return transport.take();
  };
  const open = (name: string, cid: number): number => {
    const replies = send(frame(0, 0, 13, 0, 0), frame(18, 0, 0, cid, 13, cstr(name)));
    const created = replies.find((r) => r.cmd === 18);
    if (!created) throw new Error(`channel ${name} was not created: ${JSON.stringify(replies.map(fields))}`);
    return created.p2;
  };
  return { provider, transport, circuit, log, send, open };
}
