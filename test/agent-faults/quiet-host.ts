// Test-only INI tweak for the fault tests that assert STATUS: the load and memory alarms of the shared
// test host (other tests' CPU floods, their memory) are silenced, so STATUS shows the fault under test
// only. Not a test file; owns no assertions.

const HOST_DEPENDENT = [
  'SYS_CPU_LOAD',
  'IOC_CPU_LOAD',
  'CG_CPU_LOAD',
  'IOWAIT',
  'MEM_USED_PCT',
  'SWAP_USED_PCT',
  'CG_MEM_USED_PCT',
];

/** Appends a `[health]` section with HSV and HHSV NO_ALARM for every host-dependent health PV. */
export function quietHost(ini: string): string {
  const lines = HOST_DEPENDENT.flatMap((pv) => [`${pv}.HSV = NO_ALARM`, `${pv}.HHSV = NO_ALARM`]);
  return `${ini}\n[health]\n${lines.join('\n')}\n`;
}
