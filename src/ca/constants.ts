// Channel Access protocol constants, with EPICS's own names (caProto.h, db_access.h, caerr.h, alarm.h)
// so they can be grepped against EPICS base. Pure data: no I/O.

/** Protocol version we implement and announce: 4.13. */
export const CA_MAJOR_PROTOCOL_REVISION = 4;
export const CA_MINOR_PROTOCOL_REVISION = 13;

export const CA_SERVER_PORT = 5064;
export const CA_REPEATER_PORT = 5065;

/** Command numbers (caProto.h). */
export const CA_PROTO_VERSION = 0;
export const CA_PROTO_EVENT_ADD = 1;
export const CA_PROTO_EVENT_CANCEL = 2;
export const CA_PROTO_READ = 3;
export const CA_PROTO_WRITE = 4;
export const CA_PROTO_SNAPSHOT = 5;
export const CA_PROTO_SEARCH = 6;
export const CA_PROTO_BUILD = 7;
export const CA_PROTO_EVENTS_OFF = 8;
export const CA_PROTO_EVENTS_ON = 9;
export const CA_PROTO_READ_SYNC = 10;
export const CA_PROTO_ERROR = 11;
export const CA_PROTO_CLEAR_CHANNEL = 12;
export const CA_PROTO_RSRV_IS_UP = 13;
export const CA_PROTO_NOT_FOUND = 14;
export const CA_PROTO_READ_NOTIFY = 15;
export const CA_PROTO_READ_BUILD = 16;
export const REPEATER_CONFIRM = 17;
export const CA_PROTO_CREATE_CHAN = 18;
export const CA_PROTO_WRITE_NOTIFY = 19;
export const CA_PROTO_CLIENT_NAME = 20;
export const CA_PROTO_HOST_NAME = 21;
export const CA_PROTO_ACCESS_RIGHTS = 22;
export const CA_PROTO_ECHO = 23;
export const REPEATER_REGISTER = 24;
export const CA_PROTO_SIGNAL = 25;
export const CA_PROTO_CREATE_CH_FAIL = 26;
export const CA_PROTO_SERVER_DISCONN = 27;

export const COMMAND_NAMES: Readonly<Record<number, string>> = {
  0: 'VERSION',
  1: 'EVENT_ADD',
  2: 'EVENT_CANCEL',
  3: 'READ',
  4: 'WRITE',
  5: 'SNAPSHOT',
  6: 'SEARCH',
  7: 'BUILD',
  8: 'EVENTS_OFF',
  9: 'EVENTS_ON',
  10: 'READ_SYNC',
  11: 'ERROR',
  12: 'CLEAR_CHANNEL',
  13: 'RSRV_IS_UP',
  14: 'NOT_FOUND',
  15: 'READ_NOTIFY',
  16: 'READ_BUILD',
  17: 'REPEATER_CONFIRM',
  18: 'CREATE_CHAN',
  19: 'WRITE_NOTIFY',
  20: 'CLIENT_NAME',
  21: 'HOST_NAME',
  22: 'ACCESS_RIGHTS',
  23: 'ECHO',
  24: 'REPEATER_REGISTER',
  25: 'SIGNAL',
  26: 'CREATE_CH_FAIL',
  27: 'SERVER_DISCONN',
};

/** SEARCH reply flags, carried in the data-type slot of a search request. */
export const DO_REPLY = 10;
export const DONT_REPLY = 5;
/** VERSION over UDP: data type 1 means the sequence number in p1 is valid. */
export const CA_SEQUENCE_NO_IS_VALID = 1;
/** "Use the source address of this datagram" in a search reply's p1. */
export const INADDR_USE_SENDER = 0xffffffff;

/** Access rights bits (ACCESS_RIGHTS p2). */
export const CA_PROTO_ACCESS_RIGHT_READ = 1;
export const CA_PROTO_ACCESS_RIGHT_WRITE = 2;

export const MAX_STRING_SIZE = 40;
export const MAX_UNITS_SIZE = 8;
export const MAX_ENUM_STRING_SIZE = 26;
export const MAX_ENUM_STATES = 16;
/** Seconds between the POSIX epoch and the EPICS epoch (1990-01-01 UTC). */
export const POSIX_TIME_AT_EPICS_EPOCH = 631152000;
/** UDP reply datagrams are kept at or below this size, as rsrv does. */
export const MAX_UDP_SEND = 1024;
export const MAX_UDP_RECV = 0xffff + 16;
export const MAX_TCP = 16384;

/** Native field types (db_access.h DBF_*), what CREATE_CHAN reports. */
export const DBF_STRING = 0;
export const DBF_SHORT = 1;
export const DBF_INT = 1;
export const DBF_FLOAT = 2;
export const DBF_ENUM = 3;
export const DBF_CHAR = 4;
export const DBF_LONG = 5;
export const DBF_DOUBLE = 6;
export const DBF_NO_ACCESS = 7;
export type DbfType = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** Request types (db_access.h DBR_*). */
export const DBR_STRING = 0;
export const DBR_SHORT = 1;
export const DBR_INT = 1;
export const DBR_FLOAT = 2;
export const DBR_ENUM = 3;
export const DBR_CHAR = 4;
export const DBR_LONG = 5;
export const DBR_DOUBLE = 6;
export const DBR_STS_STRING = 7;
export const DBR_STS_SHORT = 8;
export const DBR_STS_FLOAT = 9;
export const DBR_STS_ENUM = 10;
export const DBR_STS_CHAR = 11;
export const DBR_STS_LONG = 12;
export const DBR_STS_DOUBLE = 13;
export const DBR_TIME_STRING = 14;
export const DBR_TIME_SHORT = 15;
export const DBR_TIME_FLOAT = 16;
export const DBR_TIME_ENUM = 17;
export const DBR_TIME_CHAR = 18;
export const DBR_TIME_LONG = 19;
export const DBR_TIME_DOUBLE = 20;
export const DBR_GR_STRING = 21;
export const DBR_GR_SHORT = 22;
export const DBR_GR_FLOAT = 23;
export const DBR_GR_ENUM = 24;
export const DBR_GR_CHAR = 25;
export const DBR_GR_LONG = 26;
export const DBR_GR_DOUBLE = 27;
export const DBR_CTRL_STRING = 28;
export const DBR_CTRL_SHORT = 29;
export const DBR_CTRL_FLOAT = 30;
export const DBR_CTRL_ENUM = 31;
export const DBR_CTRL_CHAR = 32;
export const DBR_CTRL_LONG = 33;
export const DBR_CTRL_DOUBLE = 34;
export const DBR_PUT_ACKT = 35;
export const DBR_PUT_ACKS = 36;
export const DBR_STSACK_STRING = 37;
export const DBR_CLASS_NAME = 38;
export const LAST_BUFFER_TYPE = 38;

export const DBR_NAMES: readonly string[] = [
  'DBR_STRING',
  'DBR_SHORT',
  'DBR_FLOAT',
  'DBR_ENUM',
  'DBR_CHAR',
  'DBR_LONG',
  'DBR_DOUBLE',
  'DBR_STS_STRING',
  'DBR_STS_SHORT',
  'DBR_STS_FLOAT',
  'DBR_STS_ENUM',
  'DBR_STS_CHAR',
  'DBR_STS_LONG',
  'DBR_STS_DOUBLE',
  'DBR_TIME_STRING',
  'DBR_TIME_SHORT',
  'DBR_TIME_FLOAT',
  'DBR_TIME_ENUM',
  'DBR_TIME_CHAR',
  'DBR_TIME_LONG',
  'DBR_TIME_DOUBLE',
  'DBR_GR_STRING',
  'DBR_GR_SHORT',
  'DBR_GR_FLOAT',
  'DBR_GR_ENUM',
  'DBR_GR_CHAR',
  'DBR_GR_LONG',
  'DBR_GR_DOUBLE',
  'DBR_CTRL_STRING',
  'DBR_CTRL_SHORT',
  'DBR_CTRL_FLOAT',
  'DBR_CTRL_ENUM',
  'DBR_CTRL_CHAR',
  'DBR_CTRL_LONG',
  'DBR_CTRL_DOUBLE',
  'DBR_PUT_ACKT',
  'DBR_PUT_ACKS',
  'DBR_STSACK_STRING',
  'DBR_CLASS_NAME',
];

/** Event mask bits (caeventmask.h). */
export const DBE_VALUE = 1;
export const DBE_LOG = 2;
export const DBE_ARCHIVE = 2;
export const DBE_ALARM = 4;
export const DBE_PROPERTY = 8;

/** ECA status codes as sent on the wire: (message number << 3) | severity (caerr.h). */
export const ECA_NORMAL = 1;
export const ECA_ALLOCMEM = 48;
export const ECA_TOLARGE = 72;
export const ECA_TIMEOUT = 80;
export const ECA_BADTYPE = 114;
export const ECA_INTERNAL = 142;
export const ECA_GETFAIL = 152;
export const ECA_PUTFAIL = 160;
export const ECA_BADCOUNT = 176;
export const ECA_BADSTR = 186;
export const ECA_DISCONN = 192;
export const ECA_DBLCHNL = 200;
export const ECA_EVDISALLOW = 210;
export const ECA_BADMONID = 242;
export const ECA_DEFUNCT = 278;
export const ECA_BADMASK = 330;
export const ECA_PUTCBINPROG = 362;
export const ECA_NORDACCESS = 368;
export const ECA_NOWTACCESS = 376;
export const ECA_ANACHRONISM = 386;
export const ECA_NOCONVERT = 400;
export const ECA_BADCHID = 410;
export const ECA_UNAVAILINSERV = 432;
export const ECA_BADPRIORITY = 450;
export const ECA_16KARRAYCLIENT = 464;
export const ECA_UNRESPTMO = 480;

export const ECA_MESSAGES: Readonly<Record<number, string>> = {
  1: 'Normal successful completion',
  48: 'Unable to allocate additional dynamic memory',
  72: 'The requested transfer is greater than available memory or EPICS_CA_MAX_ARRAY_BYTES',
  80: 'User specified timeout on IO operation expired',
  114: 'The data type specifed is invalid',
  142: 'Channel Access Internal Failure',
  152: 'Channel read request failed',
  160: 'Channel write request failed',
  176: 'Invalid element count requested',
  186: 'Invalid string',
  192: 'Virtual circuit disconnect',
  200: 'Identical process variable names on multiple servers',
  242: 'Bad event subscription (monitor) identifier',
  278: 'Remote Channel not found',
  330: 'Invalid event selection mask',
  362: 'Put callback timed out',
  368: 'Read access denied',
  376: 'Write access denied',
  386: 'Requested feature is no longer supported',
  400: 'No reasonable data conversion between client and server types',
  410: 'Invalid channel identifier',
  432: 'Unsupported by attached service',
  450: 'Invalid channel priority',
  464: 'Client’s protocol revision does not support transfers exceeding 16k bytes',
  480: 'Virtual circuit unresponsive',
};

/** Alarm severities (alarm.h, menuAlarmSevr). */
export const NO_ALARM = 0;
export const MINOR_ALARM = 1;
export const MAJOR_ALARM = 2;
export const INVALID_ALARM = 3;
export const ALARM_SEVERITY_STRINGS = ['NO_ALARM', 'MINOR', 'MAJOR', 'INVALID'] as const;

/** Alarm status conditions (alarm.h, menuAlarmStat). */
export const READ_ALARM = 1;
export const WRITE_ALARM = 2;
export const HIHI_ALARM = 3;
export const HIGH_ALARM = 4;
export const LOLO_ALARM = 5;
export const LOW_ALARM = 6;
export const STATE_ALARM = 7;
export const COS_ALARM = 8;
export const COMM_ALARM = 9;
export const TIMEOUT_ALARM = 10;
export const HW_LIMIT_ALARM = 11;
export const CALC_ALARM = 12;
export const SCAN_ALARM = 13;
export const LINK_ALARM = 14;
export const SOFT_ALARM = 15;
export const BAD_SUB_ALARM = 16;
export const UDF_ALARM = 17;
export const DISABLE_ALARM = 18;
export const SIMM_ALARM = 19;
export const READ_ACCESS_ALARM = 20;
export const WRITE_ACCESS_ALARM = 21;
export const ALARM_STATUS_STRINGS = [
  'NO_ALARM',
  'READ',
  'WRITE',
  'HIHI',
  'HIGH',
  'LOLO',
  'LOW',
  'STATE',
  'COS',
  'COMM',
  'TIMEOUT',
  'HWLIMIT',
  'CALC',
  'SCAN',
  'LINK',
  'SOFT',
  'BAD_SUB',
  'UDF',
  'DISABLE',
  'SIMM',
  'READ_ACCESS',
  'WRITE_ACCESS',
] as const;
