// The agent's local control protocol: one JSON object per line in each direction. `console` and
// `follow` answer with one JSON line and then switch the connection to raw bytes (output from the
// agent; for a read-write console, input to the child's pty). Pure: parsing and framing only.
import { GwError, type ErrorCode } from '../errors.js';
import type { LockHolder } from './instance-lock.js';
import type { ChildStatus } from './types.js';

export type ControlRequest =
  | { cmd: 'status' }
  | { cmd: 'health' }
  | { cmd: 'start' | 'stop' | 'restart'; name: string }
  | { cmd: 'reload' }
  | { cmd: 'pvs'; pattern?: string }
  | { cmd: 'logs'; name: string; lines?: number }
  | { cmd: 'follow'; name: string; lines?: number }
  | { cmd: 'console'; name: string; readOnly?: boolean };

/** STATUS (Ok / Degraded / Fault), its severity, and the STATUS_MSG that explains it. */
export interface HealthSummary {
  status: string;
  severity: number;
  message: string;
}

export type ControlResponse =
  | {
      ok: true;
      now?: number;
      children?: ChildStatus[];
      /** In a status answer: the agent that holds the state directory (this one). */
      holder?: LockHolder;
      /** In a pvs answer: the record names the agent serves. */
      names?: string[];
      /** `status`: the agent's STATUS and STATUS_MSG, when the agent serves them. */
      health?: HealthSummary;
      text?: string;
      result?: unknown;
    }
  | { ok: false; error: { code: ErrorCode; message: string } };

/** Longest request line accepted; longer input closes the connection. */
export const MAX_REQUEST_BYTES = 64 * 1024;

const NAMED = new Set(['start', 'stop', 'restart', 'logs', 'follow', 'console']);

/** Parses and checks one request line; throws GW_CONTROL naming the problem. */
export function parseRequest(line: string): ControlRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new GwError('GW_CONTROL', 'request is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GwError('GW_CONTROL', 'request must be a JSON object');
  }
  const r = value as Record<string, unknown>;
  const cmd = r['cmd'];
  if (cmd === 'status' || cmd === 'reload' || cmd === 'health') return { cmd };
  if (cmd === 'pvs') {
    const pattern = r['pattern'];
    if (pattern !== undefined && typeof pattern !== 'string')
      throw new GwError('GW_CONTROL', 'pattern must be a string');
    return pattern === undefined ? { cmd } : { cmd, pattern };
  }
  if (typeof cmd !== 'string' || !NAMED.has(cmd)) {
    throw new GwError('GW_CONTROL', `unknown cmd: ${JSON.stringify(cmd)}`);
  }
  const name = r['name'];
  if (typeof name !== 'string' || name === '') throw new GwError('GW_CONTROL', `${cmd} needs a name`);
  if (cmd === 'logs' || cmd === 'follow') {
    const lines = r['lines'];
    if (lines !== undefined && (typeof lines !== 'number' || !Number.isInteger(lines) || lines < 0)) {
      throw new GwError('GW_CONTROL', 'lines must be a non-negative integer');
    }
    return lines === undefined ? { cmd, name } : { cmd, name, lines };
  }
  if (cmd === 'console') return { cmd, name, readOnly: r['readOnly'] === true };
  return { cmd: cmd as 'start' | 'stop' | 'restart', name };
}

export function encodeLine(message: ControlRequest | ControlResponse): string {
  return JSON.stringify(message) + '\n';
}

/**
 * Splits a byte stream into lines, one at a time: after a `console` request the bytes that follow are
 * console input, not requests, so the caller takes them with takeRest() instead of reading more lines.
 */
export class LineSplitter {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes = MAX_REQUEST_BYTES) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The next complete line (without its newline), or undefined. Throws GW_CONTROL for an overlong line. */
  nextLine(): string | undefined {
    const nl = this.buffer.indexOf(0x0a);
    if (nl < 0) {
      if (this.buffer.length > this.maxBytes) {
        throw new GwError('GW_CONTROL', `request line longer than ${this.maxBytes} bytes`);
      }
      return undefined;
    }
    const line = this.buffer.subarray(0, nl).toString('utf8').replace(/\r$/, '');
    this.buffer = this.buffer.subarray(nl + 1);
    return line;
  }

  /** Takes the bytes not yet split into lines. */
  takeRest(): Buffer {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }
}
