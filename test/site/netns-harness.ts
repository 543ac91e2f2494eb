// Test-only entry point of the network-namespace harness (src/demo/netns-bed.ts, shared with the
// namespaced demo): real subnets on one machine, made and removed by the harness itself, with addresses
// only inside the namespaces and every step bounded in time. Owns no assertions.
//
// API:
//   netnsUnavailable(): string | undefined   why namespaces cannot be used here (not root, no `ip`), or undefined
//   const bed = new NetnsBed({ prefix: 'gws' })   tag = prefix + 4 random hex; namespaces `<tag>-<pid>-<short>`;
//                                             removes namespaces a crashed earlier run of this prefix left
//   await bed.network('gin')                  a namespace holding bridge br0 (the network's switch)
//   await bed.host('gin', '198.18.0.10/24')   the network's own namespace as a host: the address on br0
//   await bed.namespace('cr01')               a namespace for a container (lo up); returns its full name
//   await bed.link('cr01', 'eth0', 'gin', '198.18.0.91/24')
//                                             a veth: eth0 in cr01 with the address (brd +), peer on gin's br0
//   bed.ns('cr01')                            the full namespace name, for `ip netns exec`
//   await bed.run('cr01', argv, { env, timeoutMs })   run to completion inside -> { code, signal, stdout, stderr }
//   bed.start('cr01', argv, { env, cwd })     a long-running process inside -> BedProcess (pid, output,
//                                             isRunning, exited, stop(signal, timeoutMs))
//   bed.pids('cr01') / await bed.killAll('cr01')   every process inside a namespace ("kill a container")
//   await bed.dispose()                       kill everything in every namespace, delete them; idempotent,
//                                             and also run on process exit
export * from '../../src/demo/netns-bed.js';
