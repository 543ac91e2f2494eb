import { describe, expect, it } from 'vitest';
import { expandMacros, parseMacroDefinitions } from '../../src/ioc/db/macros.js';

const M = new Map([
  ['P', 'X:'],
  ['Q', 'Y'],
  ['PQ', '$(P)$(Q)'],
  ['SELF', 'a$(SELF)'],
]);

describe('macro definitions', () => {
  it('parses NAME=VALUE pairs with quotes, blanks and empty values', () => {
    expect([...parseMacroDefinitions('P=X:, Q = Y ,R=,S="a,b",T=\'c d\'')]).toEqual([
      ['P', 'X:'],
      ['Q', 'Y'],
      ['R', ''],
      ['S', 'a,b'],
      ['T', 'c d'],
    ]);
    expect([...parseMacroDefinitions('')]).toEqual([]);
  });

  it('rejects malformed definitions with GW_USAGE', () => {
    expect(() => parseMacroDefinitions('P')).toThrow('--macros: "P" is not NAME=VALUE');
    expect(() => parseMacroDefinitions('1P=x')).toThrow('--macros: bad macro name "1P"');
    expect(() => parseMacroDefinitions('P="x')).toThrow('--macros: unterminated quote in the value of P');
  });
});

describe('macro expansion', () => {
  it.each([
    ['$(P)TEMP', 'X:TEMP'],
    ['${P}TEMP', 'X:TEMP'],
    ['$(Z=dflt)', 'dflt'],
    ['${Z=dflt}', 'dflt'],
    ['$(P=dflt)', 'X:'],
    ['$(Z=$(Q)1)', 'Y1'],
    ['$(PQ)', 'X:Y'],
    ['cost $5 (no macro)', 'cost $5 (no macro)'],
    ['$(Z=)', ''],
  ])('%s -> %s', (input, output) => {
    expect(expandMacros(input, M)).toEqual({ text: output, errors: [] });
  });

  it('reports undefined macros, self references and unterminated references', () => {
    expect(expandMacros('$(NOPE):A', M)).toEqual({ text: ':A', errors: ['undefined macro "NOPE"'] });
    expect(expandMacros('$(SELF)', M).errors).toEqual(['macro "SELF" is defined in terms of itself']);
    expect(expandMacros('$(P', M).errors).toEqual(['unterminated macro reference "$(P"']);
  });
});
