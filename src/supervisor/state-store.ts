// Per-child state files (`<stateDir>/<name>.json`: pid, pgid, /proc start time) so an agent restarted
// after SIGKILL can find the process groups it left behind. Small synchronous writes (temp file +
// rename) on a local state dir; failures are reported through onError, never thrown.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildRecord, StateStore } from './ports.js';

const SUFFIX = '.json';

export function createFileStateStore(dir: string, onError: (message: string) => void): StateStore {
  let isDirReady = false;
  return {
    write(record) {
      try {
        if (!isDirReady) {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          isDirReady = true;
        }
        const path = join(dir, record.name + SUFFIX);
        writeFileSync(path + '.tmp', JSON.stringify(record) + '\n', { mode: 0o600 });
        renameSync(path + '.tmp', path);
      } catch (err) {
        onError(`cannot write state file for ${record.name}: ${(err as Error).message}`);
      }
    },
    remove(name) {
      try {
        rmSync(join(dir, name + SUFFIX), { force: true });
      } catch (err) {
        onError(`cannot remove state file for ${name}: ${(err as Error).message}`);
      }
    },
    list() {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      const out: ChildRecord[] = [];
      for (const file of names) {
        if (!file.endsWith(SUFFIX)) continue;
        try {
          const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Partial<ChildRecord>;
          if (
            typeof r.name === 'string' &&
            Number.isInteger(r.pid) &&
            Number.isInteger(r.pgid) &&
            typeof r.startTime === 'string' &&
            typeof r.startedAt === 'number'
          ) {
            out.push(r as ChildRecord);
          } else {
            onError(`ignoring malformed state file ${file}`);
          }
        } catch (err) {
          onError(`cannot read state file ${file}: ${(err as Error).message}`);
        }
      }
      return out;
    },
  };
}
