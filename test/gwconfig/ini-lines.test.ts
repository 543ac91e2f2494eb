// readIni numbers lines as grep -n and editors do (LF, or CRLF, ends a line), while a lone CR still
// splits a line the way ini.parse does: the config-fuzz test found a problem reported past the last line.
import { describe, expect, it } from 'vitest';
import { readIni } from '../../src/gwconfig/ini-source.js';

describe('readIni line numbers', () => {
  it('counts LF and CRLF line ends', () => {
    const doc = readIni('a.ini', '[agent]\r\nprefix = X:\n\n[gateway GWF]\r\ndirection = forward\n');
    expect(doc.sections.map((s) => [s.name, s.line])).toEqual([
      ['', 0],
      ['agent', 1],
      ['gateway GWF', 4],
    ]);
    expect(doc.sections[1]!.entries).toEqual([{ key: 'prefix', value: 'X:', line: 2 }]);
    expect(doc.sections[2]!.entries).toEqual([{ key: 'direction', value: 'forward', line: 5 }]);
  });

  it('splits at a lone CR like ini.parse but keeps the physical line number', () => {
    const doc = readIni('a.ini', '[agent]\nprefix = X:\rjunk here\ndirection = up\n');
    expect(doc.sections[1]!.entries).toEqual([
      { key: 'prefix', value: 'X:', line: 2 },
      { key: 'direction', value: 'up', line: 3 },
    ]);
    expect(doc.junk).toEqual([{ line: 2, text: 'junk here' }]);
  });
});
