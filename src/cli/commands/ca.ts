// `gwagent ca get|put|monitor|info PV...`: caget/caput/camonitor/cainfo for containers without EPICS
// tools, on gwagent's own CA client. Honours EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST,
// EPICS_CA_SERVER_PORT, EPICS_CA_CONN_TMO and EPICS_CA_MAX_SEARCH_PERIOD. Exits 1 when a PV does not
// connect or an operation fails, 64 on a bad command line.
import { CaClient, type CaValue, type Channel } from '../../ca/client/index.js';
import {
  formatDetailed,
  formatGetLine,
  formatInfo,
  formatMonitorLine,
  parseDbrType,
  type LineStyle,
} from '../ca-format.js';
import { parseHostPort } from '../../ca/client/config.js';
import {
  CA_SERVER_PORT,
  DBE_ALARM,
  DBE_LOG,
  DBE_PROPERTY,
  DBE_VALUE,
  DBF_ENUM,
  DBR_CTRL_ENUM,
  DBR_STRING,
} from '../../ca/constants.js';
import { GwError } from '../../errors.js';
import { controlRequest } from '../../supervisor/index.js';
import { parseOptions, type Command } from '../command.js';
import { defaultSocketPath, SOCKET_OPTION } from '../control-commands.js';

const USAGE = `Usage: gwagent ca get [-t | -a] [-n] [-w SEC] [-d TYPE] [--count N] [--server HOST:PORT] PV...
       gwagent ca put [-t] [-c] [-w SEC] [--server HOST:PORT] PV VALUE...
       gwagent ca monitor [-n] [-w SEC] [-d TYPE] [-m MASK] [--updates N] [--server HOST:PORT] PV...
       gwagent ca info [-w SEC] [--server HOST:PORT] PV...
       gwagent ca list [PATTERN] [--socket PATH]

Channel Access tools modelled on caget, caput, camonitor and cainfo.
  -w SEC            wait time for connection and replies, seconds (default 1.0)
  -t                terse: print only the value
  -a                wide: name, time stamp, value, alarm status and severity
  -n                print enum values as numbers instead of strings
  -d TYPE           request this DBR type (e.g. DBR_CTRL_DOUBLE, CTRL_DOUBLE or 34); get prints all fields
  --count N         number of elements to request (default: current size)
  -c                put with completion callback (wait until the server reports completion)
  -m MASK           monitor event mask letters: v(alue) a(larm) l(og) p(roperty); default va
  --updates N       monitor: exit after N updates in total
  --server H:P      connect directly to this server, without a UDP search
  list              the record names the running agent serves, like dbgrep: PATTERN with * and ?
                    (default *); asks the agent over its control socket (--socket, $GWAGENT_SOCKET)
Environment: EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST, EPICS_CA_SERVER_PORT, EPICS_CA_CONN_TMO,
EPICS_CA_MAX_SEARCH_PERIOD. Exit status 1 if a PV does not connect or an operation fails (a put of a
value an enum does not have included), 64 for a bad command line.`;

const OPTIONS = {
  w: { type: 'string' },
  t: { type: 'boolean' },
  a: { type: 'boolean' },
  n: { type: 'boolean' },
  d: { type: 'string' },
  c: { type: 'boolean' },
  m: { type: 'string' },
  count: { type: 'string' },
  updates: { type: 'string' },
  server: { type: 'string' },
} as const;

const SUBCOMMANDS = ['get', 'put', 'monitor', 'info'];

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>['values'];

interface Ctx {
  client: CaClient;
  values: Values;
  timeoutMs: number;
  out: (line: string) => void;
  err: (line: string) => void;
}

function positiveNumber(text: string | undefined, what: string, dflt: number): number {
  if (text === undefined) return dflt;
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0)
    throw new GwError('GW_USAGE', `${what} '${text}' is not a positive number`);
  return v;
}

function requestedType(values: Values): number | undefined {
  if (values.d === undefined) return undefined;
  const t = parseDbrType(values.d);
  if (t === undefined) throw new GwError('GW_USAGE', `-d '${values.d}': not a DBR type name or number 0..38`);
  return t;
}

function maskOf(text: string | undefined): number {
  if (text === undefined) return DBE_VALUE | DBE_ALARM;
  const bits: Record<string, number> = { v: DBE_VALUE, a: DBE_ALARM, l: DBE_LOG, p: DBE_PROPERTY };
  let mask = 0;
  for (const ch of text.toLowerCase()) mask |= bits[ch] ?? 0;
  if (mask === 0) throw new GwError('GW_USAGE', `-m '${text}': use letters v, a, l, p`);
  return mask;
}

/** caget's default: the native type in `family` (0 plain, 2 TIME); enums as strings unless -n. */
function defaultType(ch: Channel, values: Values, family: number): number {
  // DBR numbering: family * 7 + base type (ca-protocol.md §7.3).
  if (ch.nativeType === DBF_ENUM && !values.n) return family * 7 + DBR_STRING;
  return family * 7 + ch.nativeType!;
}

function countOf(values: Values): number | undefined {
  if (values.count === undefined) return undefined;
  const n = positiveNumber(values.count, '--count', 0);
  if (!Number.isInteger(n)) throw new GwError('GW_USAGE', `--count '${values.count}' is not a whole number`);
  return n;
}

/** Opens the channels and waits for them; reports the ones that did not connect, as caget does. */
async function connectAll(ctx: Ctx, names: string[]): Promise<(Channel | undefined)[]> {
  const opts = ctx.values.server ? { server: ctx.values.server } : {};
  const channels = names.map((n) => ctx.client.channel(n, opts));
  return Promise.all(
    channels.map(async (ch) => {
      try {
        await ch.connected(ctx.timeoutMs);
        return ch;
      } catch {
        ctx.err(`Channel connect timed out: '${ch.name}' not found.`);
        return undefined;
      }
    }),
  );
}

async function runGet(ctx: Ctx, names: string[]): Promise<number> {
  const dbrType = requestedType(ctx.values);
  const style: LineStyle = ctx.values.t ? 'terse' : ctx.values.a ? 'wide' : 'plain';
  const channels = await connectAll(ctx, names);
  let status = channels.includes(undefined) ? 1 : 0;
  const results = await Promise.all(
    channels.map(async (ch) => {
      if (!ch) return undefined;
      const type = dbrType ?? defaultType(ch, ctx.values, ctx.values.a ? 2 : 0);
      try {
        return {
          ch,
          v: await ch.get({ dbrType: type, count: countOf(ctx.values), timeoutMs: ctx.timeoutMs }),
        };
      } catch (err) {
        ctx.err((err as Error).message);
        status = 1;
        return undefined;
      }
    }),
  );
  for (const r of results) {
    if (!r) continue;
    ctx.out(
      dbrType !== undefined
        ? formatDetailed(r.ch, r.v)
        : formatGetLine(r.ch.name, r.v, r.ch.nativeCount > 1, style),
    );
  }
  return status;
}

/**
 * caput's rule for an enum: a state name, else an index below the number of states (any 16-bit index
 * when the record defines no state names). Anything else is refused here, with or without -c: a plain
 * write has no reply, so the server's refusal would go unseen.
 */
async function enumIndex(ch: Channel, texts: string[], timeoutMs: number): Promise<number> {
  const [text, ...extra] = texts;
  if (text === undefined || extra.length > 0)
    throw new GwError('GW_CA_REFUSED', `${ch.name}: an enum takes one value, got ${texts.length}`);
  const states = (await ch.get({ dbrType: DBR_CTRL_ENUM, timeoutMs })).enumStrings ?? [];
  const byName = states.indexOf(text);
  if (byName >= 0) return byName;
  const limit = states.length > 0 ? states.length : 65536;
  if (/^\d+$/.test(text) && Number(text) < limit) return Number(text);
  const choices = states.map((name, i) => `${i} ${name}`).join(', ');
  throw new GwError('GW_CA_REFUSED', `${ch.name}: '${text}' is not a state of this enum (${choices})`);
}

function parsePutValues(ch: Channel, texts: string[]): number[] | string[] | string | number {
  // Strings go as DBR_STRING; numbers as numbers.
  if (ch.nativeType === 0) return texts.length === 1 ? texts[0]! : texts;
  const nums = texts.map(Number);
  if (nums.some((n) => Number.isNaN(n))) return texts.length === 1 ? texts[0]! : texts;
  return nums.length === 1 ? nums[0]! : nums;
}

async function runPut(ctx: Ctx, args: string[]): Promise<number> {
  const [name, ...texts] = args;
  if (name === undefined || texts.length === 0)
    throw new GwError('GW_USAGE', 'put needs a PV name and a value');
  const [ch] = await connectAll(ctx, [name]);
  if (!ch) return 1;
  const isArray = ch.nativeCount > 1;
  const readType = defaultType(ch, ctx.values, 0);
  try {
    const value =
      ch.nativeType === DBF_ENUM ? await enumIndex(ch, texts, ctx.timeoutMs) : parsePutValues(ch, texts);
    const old = await ch.get({ dbrType: readType, timeoutMs: ctx.timeoutMs });
    await ch.put(value, { wait: ctx.values.c ?? false, timeoutMs: ctx.timeoutMs });
    const now = await ch.get({ dbrType: readType, timeoutMs: ctx.timeoutMs });
    if (ctx.values.t) ctx.out(formatGetLine(name, now, isArray, 'terse'));
    else {
      ctx.out(`Old : ${formatGetLine(name, old, isArray, 'plain')}`);
      ctx.out(`New : ${formatGetLine(name, now, isArray, 'plain')}`);
    }
    return 0;
  } catch (err) {
    // The client's errors name the channel already.
    ctx.err((err as Error).message);
    return 1;
  }
}

async function runInfo(ctx: Ctx, names: string[]): Promise<number> {
  const channels = await connectAll(ctx, names);
  for (const ch of channels) if (ch) ctx.out(formatInfo(ch));
  return channels.includes(undefined) ? 1 : 0;
}

async function runMonitor(ctx: Ctx, names: string[]): Promise<number> {
  const dbrType = requestedType(ctx.values);
  const mask = maskOf(ctx.values.m);
  const maxUpdates =
    ctx.values.updates === undefined ? Infinity : positiveNumber(ctx.values.updates, '--updates', 1);
  let updates = 0;
  let everConnected = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => (finish = r));
  const opts = ctx.values.server ? { server: ctx.values.server } : {};
  for (const name of names) {
    const ch = ctx.client.channel(name, opts);
    let subscribed = false;
    let seen = false;
    ch.on('connection', (up: boolean) => {
      if (!up) {
        ctx.out(`${name.padEnd(30)} *** disconnected`);
        return;
      }
      if (!seen) everConnected++;
      seen = true;
      if (subscribed) return;
      subscribed = true;
      ch.subscribe(
        {
          dbrType: dbrType ?? defaultType(ch, ctx.values, 2),
          count: countOf(ctx.values),
          mask,
          onError: (err) => ctx.err(err.message),
        },
        (v: CaValue) => {
          // Updates of other channels may arrive before the client closes: N means N in total.
          if (updates >= maxUpdates) return;
          ctx.out(formatMonitorLine(name, v, ch.nativeCount > 1));
          if (++updates >= maxUpdates) finish();
        },
      );
    });
    setTimeout(() => {
      if (!seen) ctx.out(`${name.padEnd(30)} *** Not connected (PV not found)`);
    }, ctx.timeoutMs).unref();
  }
  // Keep running (like camonitor) until interrupted or enough updates arrived.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const onSignal = () => finish();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await finished;
  clearInterval(keepAlive);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return everConnected === names.length ? 0 : 1;
}

/** `ca list [PATTERN]`: CA cannot enumerate a server's names, so the agent answers over its socket. */
async function runList(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, SOCKET_OPTION);
  const [pattern, ...extra] = positionals;
  if (extra.length > 0) throw new GwError('GW_USAGE', `list takes one PATTERN, got ${positionals.length}`);
  const request = pattern === undefined ? { cmd: 'pvs' as const } : { cmd: 'pvs' as const, pattern };
  const response = await controlRequest(values.socket ?? defaultSocketPath(), request);
  for (const name of response.names ?? []) process.stdout.write(name + '\n');
  return 0;
}

export const command: Command = {
  summary: 'Channel Access tools: get, put, monitor, info (like caget/caput/camonitor/cainfo)',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === undefined)
      throw new GwError('GW_USAGE', `a subcommand is needed: get, put, monitor, info or list\n${USAGE}`);
    if (sub === 'list') return runList(rest);
    if (!SUBCOMMANDS.includes(sub))
      throw new GwError('GW_USAGE', `unknown subcommand '${sub}' (get, put, monitor, info, list)\n${USAGE}`);
    const { values, positionals } = parseOptions(rest, OPTIONS);
    if (positionals.length === 0) throw new GwError('GW_USAGE', `${sub}: no PV name given\n${USAGE}`);
    if (values.t && values.a) throw new GwError('GW_USAGE', '-t and -a exclude each other');
    const timeoutMs = positiveNumber(values.w, '-w', 1.0) * 1000;
    // Every option is checked before anything connects: a bad value is a usage error (78), not a
    // failure reported per channel after the wait (1).
    countOf(values);
    if (values.updates !== undefined) positiveNumber(values.updates, '--updates', 1);
    if (values.server !== undefined) parseHostPort(values.server, CA_SERVER_PORT);
    const client = new CaClient();
    const ctx: Ctx = {
      client,
      values,
      timeoutMs,
      out: (line) => process.stdout.write(line + '\n'),
      err: (line) => process.stderr.write(line + '\n'),
    };
    try {
      switch (sub) {
        case 'get':
          return await runGet(ctx, positionals);
        case 'put':
          return await runPut(ctx, positionals);
        case 'monitor':
          return await runMonitor(ctx, positionals);
        case 'info':
          return await runInfo(ctx, positionals);
        default:
          throw new GwError('GW_INTERNAL', `ca: subcommand '${sub}' has no handler`);
      }
    } finally {
      await client.close();
    }
  },
};
