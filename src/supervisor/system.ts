// The real System: kill(2) through process.kill, /proc, /etc/passwd and /etc/group, executable lookup.
// Synchronous reads of small kernel/config files only; never spawns a process (no `id`, no `which`).
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { PasswdEntry, ProcEntry, System } from './ports.js';
import { parsePidStat } from '../proc.js';
import { groupsOf, parsePasswd } from './accounts.js';

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Paths of /etc/passwd and /etc/group, replaceable for tests. */
export interface SystemFiles {
  passwd: string;
  group: string;
  proc: string;
}

export function createSystem(
  files: SystemFiles = { passwd: '/etc/passwd', group: '/etc/group', proc: '/proc' },
): System {
  const procEntry = (pid: number): ProcEntry | undefined => {
    const text = readOrEmpty(join(files.proc, String(pid), 'stat'));
    return text === '' ? undefined : parsePidStat(text);
  };
  return {
    kill(target, signal) {
      try {
        process.kill(target, signal);
        return true;
      } catch {
        // ESRCH: nothing left to signal. EPERM cannot happen for our own children as root or as their
        // owner; reporting it as "gone" is the safe answer for a daemon that must not throw here.
        return false;
      }
    },
    procEntry,
    isGroupAlive(pgid) {
      try {
        process.kill(-pgid, 0);
      } catch {
        return false;
      }
      // kill() succeeds for zombies too, and an orphaned zombie stays until pid 1 reaps it.
      return this.listProcesses().some((p) => p.pgrp === pgid && p.state !== 'Z');
    },
    listProcesses() {
      let names: string[];
      try {
        names = readdirSync(files.proc);
      } catch {
        return [];
      }
      const out: ProcEntry[] = [];
      for (const name of names) {
        if (!/^\d+$/.test(name)) continue;
        const entry = procEntry(Number(name));
        if (entry) out.push(entry);
      }
      return out;
    },
    resolveExecutable(command, path) {
      if (command.includes('/')) {
        const abs = resolve(command);
        return isExecutableFile(abs) ? abs : undefined;
      }
      for (const dir of (path ?? '').split(delimiter)) {
        if (dir === '' || !isAbsolute(dir)) continue;
        const candidate = join(dir, command);
        if (isExecutableFile(candidate)) return candidate;
      }
      return undefined;
    },
    isDirectory(path) {
      try {
        return statSync(path).isDirectory();
      } catch {
        return false;
      }
    },
    lookupUser(nameOrUid): PasswdEntry | undefined {
      const users = parsePasswd(readOrEmpty(files.passwd));
      return users.find((u) => u.name === nameOrUid) ?? users.find((u) => String(u.uid) === nameOrUid);
    },
    userGroups(user) {
      return groupsOf(readOrEmpty(files.group), user.name, user.gid);
    },
    getuid() {
      return process.getuid?.() ?? -1;
    },
    agentCwd() {
      return process.cwd();
    },
  };
}
