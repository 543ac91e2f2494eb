// Test-only: every health PV name issue 4 lists, written from the issue text (not from HEALTH_PVS), as
// templates: DISK:<name>:... per configured mount, IP:<name> per interface, CG_* only with cgroup v2.
export const ISSUE4_HEALTH_NAMES: readonly string[] = [
  'SYS_CPU_LOAD',
  'IOC_CPU_LOAD',
  'CPU_CNT',
  'MEM_USED',
  'MEM_FREE',
  'MEM_MAX',
  'FD_CNT',
  'FD_MAX',
  'FD_FREE',
  'CA_CLNT_CNT',
  'CA_CONN_CNT',
  'UPTIME',
  'STARTTOD',
  'TOD',
  'HEARTBEAT',
  'HOSTNAME',
  'KERNEL_VERS',
  'EPICS_VERS',
  'ENGINEER',
  'LOCATION',
  'APP_DIR',
  'APP_DIR1',
  'APP_DIR2',
  'ST_SCRIPT',
  'ST_SCRIPT1',
  'ST_SCRIPT2',
  'PROCESS_ID',
  'PARENT_ID',
  'RECORD_CNT',
  'SUSP_TASK_CNT',
  'GTIM_TIME',
  'GTIM_CUR_SRC',
  'GTIM_EVT_SRC',
  'GTIM_HI_SRC',
  'GTIM_ERR_CNT',
  'GTIM_RESET',
  'CA_UPD_TIME',
  'FD_UPD_TIME',
  'LOAD_UPD_TIME',
  'MEM_UPD_TIME',
  'ACCESS',
  'SYSRESET',
  'LOAD1',
  'LOAD5',
  'LOAD15',
  'IOWAIT',
  'MEM_USED_PCT',
  'SWAP_USED_PCT',
  'DISK:<name>:USED_PCT',
  'DISK:<name>:FREE',
  'NPROCS',
  'IP:<name>',
  'SYS_RELEASE',
  'BOX_UPTIME',
  'BUILD',
  'BUILD_DATE',
  'STREAM',
  'CG_MEM_USED',
  'CG_MEM_MAX',
  'CG_MEM_USED_PCT',
  'CG_CPU_LOAD',
  'STATUS',
];

/** The cgroup names: served on every host (INVALID where the figure cannot be read). */
export const ISSUE4_CGROUP_NAMES = ISSUE4_HEALTH_NAMES.filter((n) => n.startsWith('CG_'));

/** The names served for one mount name and a set of interfaces. */
export function issue4Names(mount: string, interfaces: readonly string[]): string[] {
  return ISSUE4_HEALTH_NAMES.flatMap((n) => {
    if (n === 'IP:<name>') return interfaces.map((i) => `IP:${i}`);
    return [n.replace('<name>', mount)];
  });
}
