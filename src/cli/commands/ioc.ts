// `gwagent ioc`: serve records from .db files (and, with --health, the health PVs) over Channel Access.
import type { Command } from '../command.js';
import { GwError } from '../../errors.js';

export const command: Command = {
  summary: 'serve records from .db files over Channel Access',
  usage: `Usage: gwagent ioc --db FILE [--db FILE ...] [--macros "P=X:,Q=Y"] [--acf FILE] [--health --prefix P]`,
  run(): Promise<number> {
    return Promise.reject(new GwError('GW_INTERNAL', 'not implemented yet'));
  },
};
