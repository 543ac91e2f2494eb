// The only file that imports node-pty: starts a child under a pseudo-terminal. forkpty() makes the child
// a session and process-group leader (pid = pgid), so the supervisor can signal the whole group.
// node-pty sets uid/gid but not the supplementary groups, so for a user switch the agent's own group
// list is swapped around the (synchronous) fork and restored right after.
import { spawn } from 'node-pty';
import type { SpawnedProcess, Spawner, SpawnRequest } from './ports.js';

export function createPtySpawner(): Spawner {
  return {
    spawn(request: SpawnRequest): SpawnedProcess {
      const restore = swapGroups(request.groups);
      let pty;
      try {
        pty = spawn(request.file, [...request.args], {
          name: 'xterm',
          cols: request.cols,
          rows: request.rows,
          cwd: request.cwd,
          env: { ...request.env },
          ...(request.uid !== undefined && request.gid !== undefined
            ? { uid: request.uid, gid: request.gid }
            : {}),
        });
      } finally {
        restore();
      }
      const p = pty;
      return {
        pid: p.pid,
        onData(listener) {
          p.onData(listener);
        },
        onExit(listener) {
          p.onExit(({ exitCode, signal }) => listener({ exitCode, signal }));
        },
        write(data) {
          p.write(data);
        },
      };
    },
  };
}

/** Sets the supplementary groups the forked child inherits; returns the undo. */
function swapGroups(groups: readonly number[] | undefined): () => void {
  if (groups === undefined || process.setgroups === undefined || process.getgroups === undefined)
    return () => {};
  const saved = process.getgroups();
  process.setgroups([...groups]);
  return () => process.setgroups!(saved);
}
