// Reads an INI file into ordered, located entries: every section and key with its line number, so each
// config problem can name FILE:LINE. Values are decoded by the `ini` package (quotes, escapes and inline
// `;`/`#` comments exactly as ini.parse does); the line structure follows ini.parse's own line regex.
// Pure: takes text, never reads files. Repeated keys are kept in order (pvlist rules rely on that).
import ini from 'ini';

export interface IniEntry {
  key: string;
  value: string;
  line: number;
}

export interface IniSection {
  /** Section name as written between the brackets, decoded; '' for keys before the first section. */
  name: string;
  line: number;
  entries: IniEntry[];
}

export interface IniDocument {
  file: string;
  sections: IniSection[];
  /** Lines that are neither a section, a key, a comment nor blank. */
  junk: { line: number; text: string }[];
}

// Same shape as ini.parse's regex: [section] | key [= value]
const LINE = /^\[([^\]]*)\]\s*$|^([^=]+)(=(.*))?$/;

export function readIni(file: string, text: string): IniDocument {
  const sections: IniSection[] = [{ name: '', line: 0, entries: [] }];
  const junk: IniDocument['junk'] = [];
  // A lone CR splits a line as ini.parse does, but numbers count LF only, as grep -n, sed and editors
  // do, so that FILE:LINE points where the user looks.
  const lines = text
    .split(/\r?\n/)
    .flatMap((physical, index) => physical.split('\r').map((raw) => ({ raw, line: index + 1 })));
  lines.forEach(({ raw, line }) => {
    if (/^\s*$/.test(raw) || /^\s*[;#]/.test(raw)) return;
    const match = LINE.exec(raw);
    if (!match) {
      junk.push({ line, text: raw });
      return;
    }
    if (match[1] !== undefined) {
      sections.push({ name: ini.unsafe(match[1]).trim(), line, entries: [] });
      return;
    }
    const key = ini.unsafe(match[2] ?? '').trim();
    const value = match[3] !== undefined ? ini.unsafe(match[4] ?? '') : '';
    if (match[3] === undefined) junk.push({ line, text: raw });
    else sections[sections.length - 1]?.entries.push({ key, value, line });
  });
  return { file, sections, junk };
}
