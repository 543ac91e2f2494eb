// When a supervised program that exited on its own is started again: one concept, shared by the
// config model (a gateway's `restart` key) and the supervisor (a child's spec). Pure data.

/** A failed start (exit before startSecs) is retried under `always` and `on-failure`, never under
 * `never`. */
export const RESTART_POLICIES = ['always', 'on-failure', 'never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];
