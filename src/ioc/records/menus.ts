// The choice strings of the EPICS menus our record fields use, in EPICS value order (the index is
// what travels over CA as DBR_ENUM, so the order is wire-visible). Pure data.
import { ALARM_SEVERITY_STRINGS, ALARM_STATUS_STRINGS } from '../../ca/constants.js';

export const menuAlarmSevr: readonly string[] = ALARM_SEVERITY_STRINGS;
export const menuAlarmStat: readonly string[] = ALARM_STATUS_STRINGS;
export const menuScan: readonly string[] = [
  'Passive',
  'Event',
  'I/O Intr',
  '10 second',
  '5 second',
  '2 second',
  '1 second',
  '.5 second',
  '.2 second',
  '.1 second',
];
export const menuPini: readonly string[] = ['NO', 'YES', 'RUN', 'RUNNING', 'PAUSE', 'PAUSED'];
export const menuYesNo: readonly string[] = ['NO', 'YES'];
export const menuOmsl: readonly string[] = ['supervisory', 'closed_loop'];
export const menuPriority: readonly string[] = ['LOW', 'MEDIUM', 'HIGH'];
export const menuFtype: readonly string[] = [
  'STRING',
  'CHAR',
  'UCHAR',
  'SHORT',
  'USHORT',
  'LONG',
  'ULONG',
  'INT64',
  'UINT64',
  'FLOAT',
  'DOUBLE',
  'ENUM',
];
/** stringin/stringout MPST/APST (menu stringinPOST): "On Change" is index 0 and the default. */
export const stringPost: readonly string[] = ['On Change', 'Always'];
/** waveform MPST/APST (menu waveformPOST): the reverse order, "Always" is the default. */
export const waveformPost: readonly string[] = ['Always', 'On Change'];
