// Name rules shared by the config parsers: which characters agent, network and gateway names, user and
// host names may use, and the check of user/host lists (a host given as an IP address never matches in
// asLib, which compares the name the CA client sends). Pure.
import { isIpv4 } from '../net.js';
import type { ProblemList } from './problems.js';
import type { SectionReader } from './section-reader.js';

export const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const ACCOUNT_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function checkAccounts(
  s: SectionReader,
  key: string,
  values: string[],
  problems: ProblemList,
  isHost: boolean,
): void {
  for (const v of values) {
    if (isHost && isIpv4(v)) {
      problems.error(
        s.lineOf(key),
        `host "${v}" is an IP address: access security compares the host name the CA client sends, so it would never match; use the client's host name`,
      );
    } else if (!ACCOUNT_RE.test(v)) {
      problems.error(s.lineOf(key), `${isHost ? 'host' : 'user'} "${v}" may only use letters, digits, _ . -`);
    } else if (isHost && v.includes('.')) {
      problems.warn(
        s.lineOf(key),
        `host "${v}" contains a dot: CA clients usually send their short host name, so a fully qualified name may never match`,
      );
    }
  }
}
