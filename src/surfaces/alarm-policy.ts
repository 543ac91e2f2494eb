// Which of a container's PVs an alarm handler should watch, and how: description, delay, count,
// latching and guidance per PV kind. Shared by the Phoebus alarm-server and the ALH renderers.
// The policy: a gateway restart is transient (STATE alarms only when a non-running state persists or
// repeats: a crash loop), a FATAL gateway latches until acknowledged, a summary PV never latches.
// Pure data.
import { NO_ALARM } from '../ca/constants.js';
import type { HealthPvDef } from '../ioc/health/index.js';
import type { SurfaceContainer, SurfaceGateway } from './surface-model.js';

export interface AlarmEntry {
  /** Full PV name, e.g. CR01GW01:GWF01:STATE. */
  pv: string;
  description: string;
  /** Seconds a severity must persist before it is annunciated (0: at once). */
  delayS: number;
  /** With delayS: this many alarms within delayS annunciate even if each was short (0: off). */
  count: number;
  isLatching: boolean;
  isAnnunciating: boolean;
  guidance: string;
}

export interface AlarmGroup {
  /** Component name below the container: "" for the container itself, a gateway name, or "Health". */
  name: string;
  entries: AlarmEntry[];
}

function gatewayEntries(c: SurfaceContainer, g: SurfaceGateway): AlarmEntry[] {
  const base = `${c.prefix}${g.name}:`;
  const what = `gateway ${g.name} (${g.label}) of ${c.name}`;
  return [
    {
      pv: `${base}STATE`,
      description: `${what} is not running`,
      delayS: 30,
      count: 3,
      isLatching: false,
      isAnnunciating: false,
      guidance:
        `STATE is not RUNNING for 30 s, or left RUNNING 3 times within 30 s (a crash loop). A single restart ` +
        `takes seconds and raises no alarm. See LAST_EXIT and RESTARTS on the panel; ` +
        `\`gwagent logs ${g.name}\` in the container shows the gateway's own output.`,
    },
    {
      pv: `${base}FATAL`,
      description: `${what} gave up: supervisor stopped retrying`,
      delayS: 0,
      count: 0,
      isLatching: true,
      isAnnunciating: true,
      guidance:
        'The supervisor will not start this gateway again by itself: its binary, user or directory is ' +
        'missing, or the configuration cannot run. LAST_EXIT names the reason. Fix it, then reload the ' +
        'configuration or press Start; acknowledge the alarm afterwards.',
    },
    {
      pv: `${base}ALIVE`,
      description: `${what} does not answer on its server side`,
      delayS: 15,
      count: 3,
      isLatching: false,
      isAnnunciating: false,
      guidance:
        "The agent cannot read the gateway's own statistics PVs over Channel Access: the gateway is " +
        'restarting, hung or its server port is blocked. If STATE is RUNNING, the gateway is hung; the ' +
        'agent restarts it after unresponsive_restart_s when configured.',
    },
  ];
}

/** Delay, count and advice of a health PV with limits, by what it measures. */
function healthPolicy(def: HealthPvDef): { delayS: number; count: number; advice: string } {
  const s = def.suffix;
  if (s.startsWith('DISK:'))
    return { delayS: 60, count: 0, advice: 'Free space on this file system: old logs, core files, images.' };
  if (/CPU_LOAD|IOWAIT/.test(s))
    return {
      delayS: 60,
      count: 0,
      advice: "Sustained load: check the gateways' CPU on the panel and the host.",
    };
  if (/MEM|SWAP/.test(s))
    return {
      delayS: 60,
      count: 0,
      advice: "Memory is short: check the gateways' memory (MEM) on the panel.",
    };
  if (s === 'SUSP_TASK_CNT')
    return {
      delayS: 10,
      count: 0,
      advice: 'A gateway process is stopped by a signal (SIGSTOP, a debugger).',
    };
  if (s.startsWith('CA_'))
    return { delayS: 30, count: 0, advice: "Many Channel Access clients or channels on the agent's server." };
  return { delayS: 30, count: 0, advice: 'See the IOC status panel.' };
}

/** Health PVs whose limits can raise an alarm (a limit with a severity, or a state severity). */
export function alarmingHealthPvs(c: SurfaceContainer): HealthPvDef[] {
  return c.health.filter((def) => {
    if (def.suffix === 'STATUS' || def.enums) return false;
    const a = def.alarm;
    return (
      (a.hhsv !== NO_ALARM && a.hihi !== 0) ||
      (a.hsv !== NO_ALARM && a.high !== 0) ||
      (a.lsv !== NO_ALARM && a.low !== 0) ||
      (a.llsv !== NO_ALARM && a.lolo !== 0)
    );
  });
}

function limitsText(def: HealthPvDef): string {
  const a = def.alarm;
  const parts: string[] = [];
  const unit = def.egu ? ` ${def.egu}` : '';
  if (a.hhsv !== NO_ALARM && a.hihi !== 0) parts.push(`HIHI ${a.hihi}${unit}`);
  if (a.hsv !== NO_ALARM && a.high !== 0) parts.push(`HIGH ${a.high}${unit}`);
  if (a.lsv !== NO_ALARM && a.low !== 0) parts.push(`LOW ${a.low}${unit}`);
  if (a.llsv !== NO_ALARM && a.lolo !== 0) parts.push(`LOLO ${a.lolo}${unit}`);
  return parts.join(', ');
}

/** The alarm groups of one container, in the order the handlers show them. */
export function alarmGroups(c: SurfaceContainer): AlarmGroup[] {
  const own: AlarmEntry[] = [
    {
      pv: `${c.prefix}STATUS`,
      description: `${c.name} health is Degraded or Fault`,
      delayS: 10,
      count: 0,
      isLatching: false,
      isAnnunciating: false,
      guidance:
        'STATUS is the worst severity of every health PV and gateway of the container. STATUS_MSG and the ' +
        'IOC status panel name the item in alarm.',
    },
    {
      pv: `${c.prefix}CONFIG_OK`,
      description: `${c.name} refused a new configuration`,
      delayS: 0,
      count: 0,
      isLatching: false,
      isAnnunciating: false,
      guidance:
        'A reload found an invalid configuration; the agent keeps running the last good one. CONFIG_MSG ' +
        'and `gwagent config check` name the file, line and problem.',
    },
  ];
  const health = alarmingHealthPvs(c).map((def): AlarmEntry => {
    const policy = healthPolicy(def);
    return {
      pv: `${c.prefix}${def.suffix}`,
      description: `${c.name} ${def.desc} beyond limits`,
      delayS: policy.delayS,
      count: policy.count,
      isLatching: false,
      isAnnunciating: false,
      guidance: `Alarm limits ${limitsText(def)} (writable on the PV's fields, or [health] in the configuration). ${policy.advice}`,
    };
  });
  return [
    { name: '', entries: own },
    ...c.gateways.map((g) => ({ name: g.name, entries: gatewayEntries(c, g) })),
    { name: 'Health', entries: health },
  ];
}
