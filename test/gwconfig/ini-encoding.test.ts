// Values written into generated INI files decode back unchanged through the `ini` package, including
// backslashes before `\`, `;` and `#`, which the package would otherwise swallow or treat as comments.
import fc from 'fast-check';
import ini from 'ini';
import { describe, expect, it } from 'vitest';
import { readIni } from '../../src/gwconfig/ini-source.js';
import { iniValue } from '../../src/gwconfig/site-render.js';

describe('iniValue', () => {
  it('keeps gateway regex escapes readable', () => {
    expect(iniValue('SR\\(A\\|B\\)\\.X')).toBe('SR\\(A\\|B\\)\\.X');
    expect(iniValue('a\\\\b')).toBe('a\\\\\\b');
    expect(iniValue('Beamline #3; west')).toBe('Beamline \\#3\\; west');
  });

  it('round-trips any printable value through ini decoding (fast-check)', () => {
    const value = fc
      .array(fc.constantFrom('a', 'Z', '\\', ';', '#', '(', '|', '.', '*', ':', ' ', '='), { maxLength: 12 })
      .map((c) => c.join('').trim());
    fc.assert(
      fc.property(value, (v) => {
        if (v.startsWith('"') || v.startsWith("'")) return;
        expect(ini.unsafe(iniValue(v))).toBe(v);
        expect(readIni('x.ini', `[s]\nk = ${iniValue(v)}\n`).sections[1]!.entries[0]!.value).toBe(v);
      }),
      { numRuns: 500 },
    );
  });
});
