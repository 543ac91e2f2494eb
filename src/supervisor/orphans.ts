// Ending process groups left behind by a previous agent that died without stopping its children
// (SIGKILL, OOM). Uses the per-child state files; the /proc start time (field 22) makes sure a pid
// that was reused by an unrelated process is never signalled. Run before starting any child.
import { compareStartTime } from '../proc.js';
import type { ChildRecord, Clock, ProcEntry, StateStore, System } from './ports.js';

/** A group of a previous agent that still has live members. */
export interface OrphanGroup {
  name: string;
  pgid: number;
  pids: number[];
}

/** What reapOrphans did for one group. */
export interface OrphanReport extends OrphanGroup {
  /** True when SIGTERM was not enough and the group got SIGKILL. */
  isKilled: boolean;
}

/**
 * Which recorded groups still have live (non-zombie) members. If the leader pid exists with another
 * start time, the pid was reused, which Linux only does once the old group is empty: not ours. If the
 * leader is gone, members of the group that started no earlier than the leader are taken as ours.
 */
export function findOrphans(records: readonly ChildRecord[], procs: readonly ProcEntry[]): OrphanGroup[] {
  const out: OrphanGroup[] = [];
  for (const r of records) {
    const leader = procs.find((p) => p.pid === r.pid);
    if (leader && leader.startTime !== r.startTime) continue;
    const members = procs.filter(
      (p) => p.pgrp === r.pgid && p.state !== 'Z' && compareStartTime(p.startTime, r.startTime) >= 0,
    );
    if (members.length > 0) out.push({ name: r.name, pgid: r.pgid, pids: members.map((p) => p.pid) });
  }
  return out;
}

export interface ReapOptions {
  store: StateStore;
  system: System;
  clock: Clock;
  /** SIGTERM first, SIGKILL after this long. */
  stopTimeoutMs: number;
  pollMs?: number;
}

/** Ends every orphaned group (SIGTERM, then SIGKILL after stopTimeoutMs) and clears all state files. */
export function reapOrphans(options: ReapOptions): Promise<OrphanReport[]> {
  const { store, system, clock, stopTimeoutMs } = options;
  const pollMs = options.pollMs ?? 50;
  const records = store.list();
  const groups = findOrphans(records, system.listProcesses());
  for (const r of records) store.remove(r.name);
  if (groups.length === 0) return Promise.resolve([]);
  for (const g of groups) system.kill(-g.pgid, 'SIGTERM');
  const deadline = clock.now() + stopTimeoutMs;
  const byName = new Map(records.map((r) => [r.name, r]));
  const alive = (): OrphanGroup[] =>
    findOrphans(
      groups.map((g) => byName.get(g.name)!),
      system.listProcesses(),
    );
  return new Promise((resolve) => {
    const check = (): void => {
      const left = alive();
      if (left.length === 0) {
        resolve(groups.map((g) => ({ ...g, isKilled: false })));
        return;
      }
      if (clock.now() >= deadline) {
        for (const g of left) system.kill(-g.pgid, 'SIGKILL');
        const killed = new Set(left.map((g) => g.name));
        resolve(groups.map((g) => ({ ...g, isKilled: killed.has(g.name) })));
        return;
      }
      clock.setTimer(Math.min(pollMs, deadline - clock.now()), check);
    };
    check();
  });
}
