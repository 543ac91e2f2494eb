// The one module that writes rendered gateway files: each file atomically (temp file + rename), only
// when its content changed, and a report of which gateways need a reload (pvlist or access changed)
// and which a restart (argv, environment or user changed, or a new gateway).
import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GwError } from '../errors.js';
import { FILE_NAMES, type RenderedGateway } from './render-gateway.js';

export interface WriteReport {
  /** Gateways whose pvlist or access file changed while their command line did not: reread (AS). */
  reload: string[];
  /** Gateways that are new or whose command line, environment or user changed: restart. */
  restart: string[];
  /** Every file written. */
  written: string[];
  /** Gateways that have files in outDir but are no longer rendered: stop them (files are kept). */
  removed: string[];
}

/** The launch description written next to the files; a change means the process must restart. */
export function launchText(gateway: RenderedGateway): string {
  return JSON.stringify({ argv: gateway.argv, env: gateway.env, user: gateway.user ?? null }, null, 2) + '\n';
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GwError('GW_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Writes `content` to `path` via a temp file and rename, unless it is already there. True if written. */
export async function writeIfChanged(path: string, content: string): Promise<boolean> {
  if ((await readOrUndefined(path)) === content) return false;
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temp, content, { mode: 0o644 });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new GwError('GW_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
  return true;
}

/** Writes every gateway into `outDir/<name>/` and reports what the supervisor must do. */
export async function writeRendered(
  outDir: string,
  gateways: readonly RenderedGateway[],
): Promise<WriteReport> {
  const report: WriteReport = { reload: [], restart: [], written: [], removed: [] };
  for (const gateway of gateways) {
    const dir = join(outDir, gateway.name);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new GwError('GW_IO', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
    }
    const launchPath = join(dir, FILE_NAMES.launch);
    const isNew = (await readOrUndefined(launchPath)) === undefined;
    const changed = async (file: string, content: string): Promise<boolean> => {
      const path = join(dir, file);
      const wrote = await writeIfChanged(path, content);
      if (wrote) report.written.push(path);
      return wrote;
    };
    const pvlist = await changed(FILE_NAMES.pvlist, gateway.pvlist);
    const access = await changed(FILE_NAMES.access, gateway.access);
    const command = await changed(FILE_NAMES.command, gateway.command);
    const launch = await changed(FILE_NAMES.launch, launchText(gateway));
    if (isNew || launch || command) report.restart.push(gateway.name);
    else if (pvlist || access) report.reload.push(gateway.name);
  }
  const names = new Set(gateways.map((g) => g.name));
  for (const entry of await readdir(outDir, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() || names.has(entry.name)) continue;
    if ((await readOrUndefined(join(outDir, entry.name, FILE_NAMES.launch))) !== undefined)
      report.removed.push(entry.name);
  }
  report.removed.sort();
  return report;
}

/**
 * Writes a set of files into `dir` all or nothing: every changed file goes to a temp file first; only
 * when all of them are written are they renamed into place, so a failure (unwritable directory, full
 * disk) leaves no partial output. Unchanged files are not touched. Returns the paths written.
 */
export async function writeAllAtomically(
  dir: string,
  files: Readonly<Record<string, string>>,
): Promise<{ written: string[]; unchanged: string[] }> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new GwError('GW_IO', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const staged: [temp: string, path: string][] = [];
  const unchanged: string[] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      // A target that is not a plain file would fail its rename after others were renamed: refuse now.
      const existing = await stat(path).catch(() => undefined);
      if (existing !== undefined && !existing.isFile())
        throw new GwError('GW_IO', `cannot write ${path}: it exists and is not a regular file`);
      if ((await readOrUndefined(path)) === content) {
        unchanged.push(path);
        continue;
      }
      const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      staged.push([temp, path]);
      await writeFile(temp, content, { mode: 0o644 });
    }
  } catch (err) {
    await Promise.all(staged.map(([temp]) => unlink(temp).catch(() => undefined)));
    if (err instanceof GwError) throw err;
    throw new GwError('GW_IO', `cannot write into ${dir}: ${(err as Error).message}`, { cause: err });
  }
  for (const [temp, path] of staged) await rename(temp, path);
  return { written: staged.map(([, path]) => path), unchanged };
}
