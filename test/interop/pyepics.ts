// Test-only: runs test/interop/pyepics_driver.py (pyepics on the real libca) as one long-lived
// subprocess per test file and exchanges one JSON line per operation. Not a test file.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DRIVER = fileURLToPath(new URL('./pyepics_driver.py', import.meta.url));
export const PYTHON = '/usr/bin/python3';

export type Result = Record<string, unknown> & { ok: boolean; error?: string };

export class PyEpics {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: ((r: Result) => void)[] = [];
  stderr = '';

  private constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(PYTHON, [DRIVER], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.pending.shift();
      if (next) next(JSON.parse(line) as Result);
    });
    this.child.on('exit', () => {
      for (const p of this.pending.splice(0)) p({ ok: false, error: `driver exited: ${this.stderr}` });
    });
  }

  /** Starts the driver and waits for its ready line. */
  static async start(env: NodeJS.ProcessEnv): Promise<PyEpics> {
    const py = new PyEpics(env);
    const ready = await new Promise<Result>((resolve) => py.pending.push(resolve));
    if (!ready.ok) throw new Error(`pyepics driver did not start: ${py.stderr}`);
    return py;
  }

  /** Runs one operation; throws if the driver reports an exception. */
  async do(op: Record<string, unknown>): Promise<Result> {
    const r = await new Promise<Result>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        resolve({ ok: false, error: `driver has exited: ${this.stderr}` });
        return;
      }
      this.pending.push(resolve);
      this.child.stdin.write(JSON.stringify(op) + '\n');
    });
    if (!r.ok) throw new Error(`pyepics ${JSON.stringify(op)}: ${r.error}\n${this.stderr}`);
    return r;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
