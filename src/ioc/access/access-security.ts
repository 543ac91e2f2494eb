// Access security of a served database from an .acf file: load at start (errors are fatal there),
// reload later (e.g. on SIGHUP) keeping the old rules when the new file is invalid, and push the
// rules into the record database, which tells the CA server to re-send access rights.
import { readFileSync } from 'node:fs';
import { ProblemsError } from '../../errors.js';
import type { AccessPolicy, AccessRules } from './access-rules.js';
import { parseAcf } from './acf-parser.js';

/** Where the rules go (RecordDatabase.setAccessPolicy fires PvProvider.onAccessChanged). */
export interface AccessTarget {
  setAccessPolicy(policy: AccessPolicy | undefined): void;
}

export type ReloadResult = { ok: true; rules: AccessRules } | { ok: false; error: ProblemsError };

/** Reads and parses an .acf file; throws ProblemsError (GW_ACF_PARSE), also when it cannot be read. */
export function loadAcfFile(path: string, readFile: (path: string) => string = readLatin1): AccessRules {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ProblemsError('GW_ACF_PARSE', [
      { file: path, message: `cannot read file: ${reason}`, severity: 'error' },
    ]);
  }
  return parseAcf(text, path);
}

function readLatin1(path: string): string {
  return readFileSync(path, 'latin1');
}

export class AccessSecurity {
  private current: AccessRules | undefined;

  constructor(
    readonly path: string,
    private readonly target: AccessTarget,
    private readonly readFile: (path: string) => string = readLatin1,
  ) {}

  /** The rules in force (undefined before the first successful load). */
  get rules(): AccessRules | undefined {
    return this.current;
  }

  /** First load: throws ProblemsError if the file is unreadable or invalid. */
  load(): AccessRules {
    const rules = loadAcfFile(this.path, this.readFile);
    this.install(rules);
    return rules;
  }

  /** Re-reads the file: if it is invalid the old rules stay in force and the problems are returned. */
  reload(): ReloadResult {
    try {
      const rules = loadAcfFile(this.path, this.readFile);
      this.install(rules);
      return { ok: true, rules };
    } catch (err) {
      if (err instanceof ProblemsError) return { ok: false, error: err };
      throw err;
    }
  }

  private install(rules: AccessRules): void {
    this.current = rules;
    this.target.setAccessPolicy(rules);
  }
}
