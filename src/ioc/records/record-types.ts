// The record types we model (ai, ao, bi, bo, mbbi, mbbo, longin, longout, stringin, stringout,
// waveform) as field tables in the spirit of their .dbd files: names, types, sizes, menus and flags.
// Fields we keep only so real .db files load (links, DTYP, simulation...) are stored and served but
// have no effect: there is no device support, no link processing and no periodic scanning.
// Pure data: behaviour lives in record.ts, alarms.ts and metadata.ts.
import type { FieldDef, FieldType } from './field-def.js';
import {
  menuAlarmSevr,
  menuAlarmStat,
  menuFtype,
  menuOmsl,
  menuPini,
  menuPriority,
  menuScan,
  menuYesNo,
  stringPost,
  waveformPost,
} from './menus.js';

/** Fields whose values the record computes: neither a .db file nor the agent can set them. */
export const COMPUTED_FIELDS: ReadonlySet<string> = new Set([
  'NAME',
  'RTYP',
  'STAT',
  'SEVR',
  'NSTA',
  'NSEV',
  'ACKS',
  'NORD',
]);

/** Which family of behaviour (alarms, deadbands, metadata) a record type follows. */
export type RecordKind = 'analog' | 'binary' | 'multibit' | 'string' | 'waveform';

export interface RecordTypeDef {
  readonly name: string;
  readonly kind: RecordKind;
  readonly isOutput: boolean;
  /** Fields by name, VAL included (for waveform VAL's type is decided per record by FTVL). */
  readonly fields: ReadonlyMap<string, FieldDef>;
}

type Opts = Omit<FieldDef, 'name' | 'type' | 'asl'> & { asl?: 0 | 1 };
const f = (name: string, type: FieldType, opts: Opts = {}): FieldDef => ({ name, type, asl: 1, ...opts });
const str = (name: string, size: number, opts: Opts = {}) => f(name, 'STRING', { size, ...opts });
const sevr = (name: string, opts: Opts = {}) => f(name, 'MENU', { menu: menuAlarmSevr, ...opts });
const ro = { readOnly: true } as const;
const pp = { pp: true } as const;
const ppProp = { pp: true, prop: true } as const;
const menuSimm = ['NO', 'YES', 'RAW'] as const;
const menuIvoa = ['Continue normally', "Don't drive outputs", 'Set output to IVOV'] as const;
const menuConvert = ['NO CONVERSION', 'SLOPE', 'LINEAR'] as const;

/** dbCommon: the fields every record has (RTYP is the record-type attribute). */
const COMMON: readonly FieldDef[] = [
  str('NAME', 61, ro),
  str('DESC', 41),
  str('ASG', 29),
  f('SCAN', 'MENU', { menu: menuScan }),
  f('PINI', 'MENU', { menu: menuPini }),
  f('PHAS', 'SHORT'),
  str('EVNT', 40),
  f('TSE', 'SHORT'),
  f('TSEL', 'LINK', { size: 1024 }),
  f('DTYP', 'DEVICE', { size: 40 }),
  f('DISV', 'SHORT', { initial: 1 }),
  f('DISA', 'SHORT'),
  f('SDIS', 'LINK', { size: 1024 }),
  f('DISP', 'UCHAR'),
  f('PROC', 'UCHAR', pp),
  f('STAT', 'MENU', { menu: menuAlarmStat, readOnly: true }),
  sevr('SEVR', ro),
  f('NSTA', 'MENU', { menu: menuAlarmStat, readOnly: true }),
  sevr('NSEV', ro),
  sevr('ACKS', ro),
  f('ACKT', 'MENU', { menu: menuYesNo, readOnly: true, initial: 1 }),
  sevr('DISS'),
  f('LCNT', 'UCHAR', ro),
  f('PACT', 'UCHAR', ro),
  f('PUTF', 'UCHAR', ro),
  f('RPRO', 'UCHAR', ro),
  f('PRIO', 'MENU', { menu: menuPriority }),
  f('TPRO', 'UCHAR'),
  f('UDF', 'UCHAR', { pp: true, initial: 1 }),
  sevr('UDFS', { initial: 3 }),
  f('FLNK', 'LINK', { size: 1024 }),
  str('RTYP', 40, ro),
];

const input = [f('INP', 'LINK', { size: 1024 })];
const output = [
  f('OUT', 'LINK', { size: 1024 }),
  f('DOL', 'LINK', { size: 1024 }),
  f('OMSL', 'MENU', { menu: menuOmsl }),
];
const sim = (simm: readonly string[]) => [
  f('SIML', 'LINK', { size: 1024 }),
  f('SIMM', 'MENU', { menu: simm }),
  sevr('SIMS'),
  f('SIOL', 'LINK', { size: 1024 }),
];
const ivoa = (ivov: FieldType) => [f('IVOA', 'MENU', { menu: menuIvoa }), f('IVOV', ivov)];

function analog(valType: 'DOUBLE' | 'LONG', isOutput: boolean): FieldDef[] {
  const fields: FieldDef[] = [
    f('VAL', valType, { asl: 0, pp: true }),
    str('EGU', 16, { prop: true }),
    f('HOPR', valType, { prop: true }),
    f('LOPR', valType, { prop: true }),
    f('HIHI', valType, ppProp),
    f('LOLO', valType, ppProp),
    f('HIGH', valType, ppProp),
    f('LOW', valType, ppProp),
    sevr('HHSV', ppProp),
    sevr('LLSV', ppProp),
    sevr('HSV', ppProp),
    sevr('LSV', ppProp),
    f('HYST', valType),
    f('ADEL', valType),
    f('MDEL', valType),
    f('LALM', valType, ro),
    f('ALST', valType, ro),
    f('MLST', valType, ro),
  ];
  if (valType === 'DOUBLE') {
    fields.push(
      f('PREC', 'SHORT', { prop: true }),
      f('LINR', 'MENU', { menu: menuConvert, pp: true }),
      f('ASLO', 'DOUBLE', { pp: true, initial: 1 }),
      f('AOFF', 'DOUBLE', pp),
      f('ESLO', 'DOUBLE', { pp: true, initial: 1 }),
      f('EOFF', 'DOUBLE', pp),
      f('RVAL', 'LONG', pp),
      f('ORAW', 'LONG', ro),
      ...sim(menuSimm),
    );
    if (!isOutput) fields.push(f('SMOO', 'DOUBLE'), f('AFTC', 'DOUBLE'), f('AFVL', 'DOUBLE', ro));
  } else {
    fields.push(...sim(menuYesNo));
  }
  if (isOutput) {
    fields.push(
      f('DRVH', valType, ppProp),
      f('DRVL', valType, ppProp),
      ...output,
      ...ivoa(valType),
      ...(valType === 'DOUBLE' ? [f('OVAL', 'DOUBLE', ro), f('OROC', 'DOUBLE')] : []),
    );
  } else {
    fields.push(...input);
  }
  return fields;
}

function binary(isOutput: boolean): FieldDef[] {
  return [
    f('VAL', 'ENUM', { asl: 0, pp: true }),
    str('ZNAM', 26, ppProp),
    str('ONAM', 26, ppProp),
    sevr('ZSV', pp),
    sevr('OSV', pp),
    sevr('COSV', pp),
    f('RVAL', 'ULONG', pp),
    f('ORAW', 'ULONG', ro),
    f('MASK', 'ULONG'),
    f('LALM', 'USHORT', ro),
    f('MLST', 'USHORT', ro),
    ...sim(menuSimm),
    ...(isOutput
      ? [...output, f('HIGH', 'DOUBLE'), f('RBV', 'ULONG', ro), f('ORBV', 'ULONG', ro), ...ivoa('USHORT')]
      : input),
  ];
}

const MBB_PREFIXES = [
  'ZR',
  'ON',
  'TW',
  'TH',
  'FR',
  'FV',
  'SX',
  'SV',
  'EI',
  'NI',
  'TE',
  'EL',
  'TV',
  'TT',
  'FT',
  'FF',
];
/** ZRST..FFST, ZRVL..FFVL, ZRSV..FFSV in state order. */
export const MBB_STRING_FIELDS = MBB_PREFIXES.map((p) => `${p}ST`);
export const MBB_VALUE_FIELDS = MBB_PREFIXES.map((p) => `${p}VL`);
export const MBB_SEVERITY_FIELDS = MBB_PREFIXES.map((p) => `${p}SV`);

function multibit(isOutput: boolean): FieldDef[] {
  return [
    f('VAL', 'ENUM', { asl: 0, pp: true }),
    f('NOBT', 'USHORT'),
    ...MBB_VALUE_FIELDS.map((n) => f(n, 'ULONG', ppProp)),
    ...MBB_STRING_FIELDS.map((n) => str(n, 26, ppProp)),
    ...MBB_SEVERITY_FIELDS.map((n) => sevr(n, pp)),
    sevr('UNSV', pp),
    sevr('COSV', pp),
    f('RVAL', 'ULONG', pp),
    f('ORAW', 'ULONG', ro),
    f('MASK', 'ULONG'),
    f('SHFT', 'USHORT'),
    f('LALM', 'USHORT', ro),
    f('MLST', 'USHORT', ro),
    ...sim(menuSimm),
    ...(isOutput ? [...output, f('RBV', 'ULONG', ro), f('ORBV', 'ULONG', ro), ...ivoa('USHORT')] : input),
  ];
}

function string(isOutput: boolean): FieldDef[] {
  return [
    str('VAL', 40, { asl: 0, pp: true }),
    str('OVAL', 40, ro),
    f('MPST', 'MENU', { menu: stringPost }),
    f('APST', 'MENU', { menu: stringPost }),
    ...sim(menuYesNo),
    ...(isOutput ? [...output, ...ivoa('STRING')] : input),
  ];
}

function waveform(): FieldDef[] {
  return [
    // The type here is a placeholder: each record's VAL takes its type from FTVL.
    f('VAL', 'DOUBLE', { asl: 0, pp: true }),
    f('RARM', 'SHORT', pp),
    f('PREC', 'SHORT', { prop: true }),
    ...input,
    str('EGU', 16, { prop: true }),
    f('HOPR', 'DOUBLE', { prop: true }),
    f('LOPR', 'DOUBLE', { prop: true }),
    f('NELM', 'ULONG', { readOnly: true, initial: 1 }),
    f('FTVL', 'MENU', { menu: menuFtype, readOnly: true }),
    f('NORD', 'ULONG', ro),
    f('BUSY', 'SHORT', ro),
    f('MPST', 'MENU', { menu: waveformPost }),
    f('APST', 'MENU', { menu: waveformPost }),
    f('HASH', 'ULONG', ro),
    ...sim(menuYesNo),
  ];
}

function define(name: string, kind: RecordKind, isOutput: boolean, own: FieldDef[]): RecordTypeDef {
  const fields = new Map<string, FieldDef>();
  for (const d of [...COMMON, ...own]) fields.set(d.name, d);
  return { name, kind, isOutput, fields };
}

/** Every record type we serve, by its EPICS name. */
export const RECORD_TYPES: ReadonlyMap<string, RecordTypeDef> = new Map(
  [
    define('ai', 'analog', false, analog('DOUBLE', false)),
    define('ao', 'analog', true, analog('DOUBLE', true)),
    define('longin', 'analog', false, analog('LONG', false)),
    define('longout', 'analog', true, analog('LONG', true)),
    define('bi', 'binary', false, binary(false)),
    define('bo', 'binary', true, binary(true)),
    define('mbbi', 'multibit', false, multibit(false)),
    define('mbbo', 'multibit', true, multibit(true)),
    define('stringin', 'string', false, string(false)),
    define('stringout', 'string', true, string(true)),
    define('waveform', 'waveform', false, waveform()),
    // calc and calcout serve only what clients read (iocStats' HEARTBEAT and FD_FREE are calc records
    // whose value the agent computes): an analog value with limits; no CALC expression or links.
    define('calc', 'analog', false, analog('DOUBLE', false)),
    define('calcout', 'analog', false, analog('DOUBLE', false)),
  ].map((t) => [t.name, t]),
);

/** FTVL menu index -> the element type of a waveform's VAL. */
export function ftvlType(ftvl: number): FieldType {
  return (menuFtype[ftvl] ?? 'STRING') as FieldType;
}
