// Regex compatibility: the patterns gwagent emits and accepts, translated the way the gateway reads them
// (GNU Emacs syntax, anchored on both ends), match exactly the names they should. glibc's own matcher
// (the one the gateway's default build calls) is the reference; the JavaScript translation must agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchoredRegExp, checkPattern, escapeLiteral } from '../../src/gwconfig/gateway-regex.js';
import {
  GATEWAY_CONTROL_PVS,
  GATEWAY_STAT_PVS,
  internalPattern,
} from '../../src/gwconfig/internal-pv-names.js';
import { glibc } from './glibc-regex.js';

const STATS = internalPattern('GWF01', GATEWAY_STAT_PVS);
const CONTROL = internalPattern('GWF01', GATEWAY_CONTROL_PVS);
const ALL_INTERNAL = [...GATEWAY_STAT_PVS, ...GATEWAY_CONTROL_PVS];

const NEAR_MISSES = [
  'GWF01:quitFlagX',
  'GWF01:quitFlag.DES',
  'GWF01:quitFlag.desc',
  'GWF01:quitFlag.VAL',
  'GWF01:quitFlag.DESC.DESC',
  'GWF01:quitflag',
  'GWF01:QUITFLAG',
  'GWF01:loadavg',
  'GWF01:fd',
  'GWF01:heartbeat',
  'GWF01:alive',
  'GWF0101:load',
  'XGWF01:load',
  'GWF01load',
  'GWF01:loadDESC',
  'GWF01:load.DESCX',
  'GWF01:',
  'GWF01:report4Flag',
  'GWF01:vctotal:extra',
  'GWR01:load',
];

function gatewayMatches(pattern: string, name: string): boolean {
  return anchoredRegExp(pattern).test(name);
}

describe('emitted internal-PV patterns', () => {
  it('match exactly the 24 internal names and their .DESC fields, split into statistics and control', () => {
    for (const name of GATEWAY_STAT_PVS) {
      expect([gatewayMatches(STATS, `GWF01:${name}`), gatewayMatches(STATS, `GWF01:${name}.DESC`)]).toEqual([
        true,
        true,
      ]);
      expect(gatewayMatches(CONTROL, `GWF01:${name}`)).toBe(false);
    }
    for (const name of GATEWAY_CONTROL_PVS) {
      expect([
        gatewayMatches(CONTROL, `GWF01:${name}`),
        gatewayMatches(CONTROL, `GWF01:${name}.DESC`),
      ]).toEqual([true, true]);
      expect(gatewayMatches(STATS, `GWF01:${name}`)).toBe(false);
    }
    expect(ALL_INTERNAL).toHaveLength(24);
    for (const name of NEAR_MISSES) {
      expect([name, gatewayMatches(STATS, name) || gatewayMatches(CONTROL, name)]).toEqual([name, false]);
    }
  });

  it('escape the prefix so its characters are literal', () => {
    const pattern = internalPattern('GW.F*01', ['load']);
    expect(pattern).toBe('GW\\.F\\*01:\\(load\\)\\(\\.DESC\\)?');
    expect(gatewayMatches(pattern, 'GW.F*01:load')).toBe(true);
    expect(gatewayMatches(pattern, 'GWxFF01:load')).toBe(false);
    expect(escapeLiteral('a.b[c]^$\\')).toBe('a\\.b\\[c\\]\\^\\$\\\\');
  });
});

describe.skipIf(glibc === undefined)(
  'agreement with glibc re_compile_pattern (syntax 0), the gateway matcher',
  () => {
    const reference = glibc!;

    it('internal patterns: every internal name and near miss', () => {
      const names = [...ALL_INTERNAL.flatMap((n) => [`GWF01:${n}`, `GWF01:${n}.DESC`]), ...NEAR_MISSES];
      for (const pattern of [STATS, CONTROL]) {
        for (const name of names) {
          expect([pattern, name, gatewayMatches(pattern, name)]).toEqual([
            pattern,
            name,
            reference.fullMatch(pattern, name),
          ]);
        }
      }
    });

    it('the constructs gwagent refuses really are literal or different in the gateway', () => {
      // Each refused pattern, and what glibc does with it: why `config check` refuses it.
      expect(reference.fullMatch('SR:\\d', 'SR:d')).toBe(true);
      expect(reference.fullMatch('SR:\\d', 'SR:5')).toBe(false);
      expect(reference.fullMatch('SR:[0-9]{2}', 'SR:12')).toBe(false);
      expect(reference.fullMatch('SR:[0-9]{2}', 'SR:1{2}')).toBe(true);
      expect(reference.fullMatch('SR:[[:digit:]]', 'SR:5')).toBe(false);
      expect(reference.fullMatch('SR:\\(A|B\\)', 'SR:A|B')).toBe(true);
      expect(reference.fullMatch('SR:(A)', 'SR:(A)')).toBe(true);
      expect(reference.fullMatch('*SR', '*SR')).toBe(true);
      for (const refused of ['SR:\\d', 'SR:[0-9]{2}', 'SR:[[:digit:]]', 'SR:(A)', 'SR:A|B', '*SR']) {
        expect(checkPattern(refused).errors.length).toBeGreaterThan(0);
      }
    });

    it('hand-picked patterns agree on hand-picked names', () => {
      const patterns = [
        '.*',
        'SR.*',
        'SR[0-9][0-9]\\(BCM\\|DCCT\\)[0-9][0-9]:.*',
        '[\\.]x',
        '[]a]b',
        '[^A-Z]+',
        'a\\|ab',
        'A\\.B',
        'x+y?z*',
        '\\(ab\\)*c',
        'a\\[1\\]',
        '[a-c-]',
      ];
      const names = [
        '',
        'SR',
        'SR01BCM02:X',
        'SR01DCCT99:',
        'SR01XX02:X',
        '\\x',
        '.x',
        ']b',
        'ab',
        'abc',
        'A.B',
        'AxB',
        'xyz',
        'xzz',
        'x',
        'ababc',
        'c',
        'a[1]',
        '-',
        'd',
      ];
      for (const pattern of patterns) {
        expect(checkPattern(pattern).errors).toEqual([]);
        for (const name of names) {
          expect([pattern, name, gatewayMatches(pattern, name)]).toEqual([
            pattern,
            name,
            reference.fullMatch(pattern, name),
          ]);
        }
      }
    });

    it('random valid patterns agree with glibc on random names (fast-check)', () => {
      const atom = fc.constantFrom(
        'A',
        'B',
        ':',
        '1',
        '.',
        '[0-9]',
        '[^A]',
        '[AB]',
        '\\.',
        '\\(A\\|B1\\)',
        '\\(:.\\)',
      );
      const piece = fc.tuple(atom, fc.constantFrom('', '', '*', '+', '?')).map(([a, r]) => a + r);
      const pattern = fc.array(piece, { minLength: 1, maxLength: 5 }).map((p) => p.join(''));
      const name = fc
        .array(fc.constantFrom('A', 'B', ':', '1', '2', '.', 'x'), { maxLength: 8 })
        .map((c) => c.join(''));
      fc.assert(
        fc.property(pattern, fc.array(name, { minLength: 1, maxLength: 8 }), (p, names) => {
          expect(checkPattern(p).errors).toEqual([]);
          for (const n of names)
            expect([p, n, gatewayMatches(p, n)]).toEqual([p, n, reference.fullMatch(p, n)]);
        }),
        { numRuns: 300 },
      );
    });
  },
);
