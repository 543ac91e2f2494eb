import { describe, expect, it } from 'vitest';
import {
  CA_PROTO_ACCESS_RIGHT_READ as C_READ,
  CA_PROTO_ACCESS_RIGHT_WRITE as C_WRITE,
  DBR_DOUBLE,
  DBR_STRING,
  ECA_NORMAL,
  ECA_NOWTACCESS,
} from '../../src/ca/constants.js';
import { ProblemsError } from '../../src/errors.js';
import { AccessSecurity } from '../../src/ioc/access/access-security.js';
import { parseAcf } from '../../src/ioc/access/acf-parser.js';
import { RecordDatabase } from '../../src/ioc/db/record-database.js';
import type { ClientIdentity } from '../../src/ioc/server/pv.js';

const ACF = `
# operators write everything from the control room; engineers write limits from anywhere
UAG(ops) { alice, bob }
UAG(eng) { carol }
HAG(console) { CR-Console1, cr-console2 }
HAG(lab) { 10.1.0.0/16, 192.168.5.7 }
ASG(DEFAULT) {
  RULE(1, READ)
  RULE(0, WRITE, TRAPWRITE) { UAG(ops) HAG(console) }
  RULE(1, WRITE) { UAG(eng) }
}
ASG(READONLY) { RULE(1, READ) }
ASG(LABONLY) {
  RULE(0, WRITE) { HAG(lab) }
}
ASG(NOBODY)
`;

const who = (user: string, host: string, ip = '127.0.0.1'): ClientIdentity => ({ user, host, ip });

function problems(text: string): string[] {
  try {
    parseAcf(text, 'x.acf');
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemsError);
    expect((err as ProblemsError).code).toBe('GW_ACF_PARSE');
    return (err as ProblemsError).message.split('\n');
  }
  return [];
}

describe('ACF rules', () => {
  const rules = parseAcf(ACF, 'site.acf');

  it.each([
    ['DEFAULT', 0, 'alice', 'cr-console1', 'WRITE'],
    ['DEFAULT', 1, 'alice', 'cr-console1', 'READ'],
    ['DEFAULT', 0, 'alice', 'elsewhere', 'READ'],
    ['DEFAULT', 0, 'mallory', 'cr-console1', 'READ'],
    ['DEFAULT', 0, 'Alice', 'cr-console1', 'READ'],
    ['DEFAULT', 1, 'carol', 'anywhere', 'WRITE'],
    ['DEFAULT', 0, 'carol', 'anywhere', 'WRITE'],
    ['READONLY', 0, 'alice', 'cr-console1', 'READ'],
    ['NOBODY', 0, 'alice', 'cr-console1', 'NONE'],
    ['UNDEFINED_GROUP', 0, 'alice', 'cr-console2', 'WRITE'],
  ])('ASG %s, ASL %d, user %s on %s -> %s', (asg, asl, user, host, access) => {
    expect(rules.access(asg, asl, who(user, host))).toBe(access);
  });

  it('matches HAG IPv4 and CIDR entries against the peer address, not the claimed host name', () => {
    expect(rules.access('LABONLY', 0, who('x', 'h', '10.1.200.3'))).toBe('WRITE');
    expect(rules.access('LABONLY', 0, who('x', 'h', '10.2.0.1'))).toBe('NONE');
    expect(rules.access('LABONLY', 0, who('x', 'h', '192.168.5.7'))).toBe('WRITE');
    expect(rules.access('LABONLY', 0, who('x', '192.168.5.7', '127.0.0.1'))).toBe('NONE');
    expect(rules.access('LABONLY', 1, who('x', 'h', '10.1.200.3'))).toBe('NONE');
  });

  it('rights() remembers per client identity; a renamed client is a new identity, asked afresh', () => {
    const client = who('alice', 'cr-console1');
    const rw = C_READ | C_WRITE;
    expect(rules.rights('DEFAULT', 0, client)).toBe(rw);
    expect(rules.rights('DEFAULT', 0, client)).toBe(rw);
    expect(rules.rights('DEFAULT', 1, client)).toBe(C_READ);
    expect(rules.rights('NOBODY', 0, client)).toBe(0);
    const moved = { ...client, host: 'elsewhere' };
    expect(rules.rights('DEFAULT', 0, moved)).toBe(C_READ);
    expect(rules.rights('DEFAULT', 1, { ...moved, user: 'carol' })).toBe(rw);
    expect(rules.rights('DEFAULT', 0, client)).toBe(rw);
    expect(rules.rights('LABONLY', 0, who('x', 'h', '10.1.200.3'))).toBe(rw);
    expect(rules.rights('LABONLY', 0, who('x', 'h', '10.2.0.1'))).toBe(0);
  });

  it('host names in HAGs are lower-cased', () => {
    expect(rules.config.hags.get('console')).toEqual([
      { kind: 'name', name: 'cr-console1' },
      { kind: 'name', name: 'cr-console2' },
    ]);
    expect(rules.config.asgs.get('DEFAULT')![1]).toEqual({
      level: 0,
      access: 'WRITE',
      trapWrite: true,
      uags: ['ops'],
      hags: ['console'],
      line: 9,
    });
  });

  it('without a DEFAULT group, records of unknown groups get no access', () => {
    const r = parseAcf('ASG(OPS) { RULE(1, WRITE) }', 'y.acf');
    expect(r.access('OPS', 1, who('a', 'b'))).toBe('WRITE');
    expect(r.access('DEFAULT', 0, who('a', 'b'))).toBe('NONE');
    expect(r.access('OTHER', 0, who('a', 'b'))).toBe('NONE');
  });

  it('reports every error with its line', () => {
    expect(
      problems(
        [
          'UAG(ops) { alice, }',
          'HAG(h) { 10.0.0.0/33 }',
          'ASG(A) {',
          '  INPA("X:PV")',
          '  RULE(1, WRITE) { CALC("A>0") }',
          '  RULE(x, READ)',
          '  RULE(1, ALL)',
          '  RULE(1, READ, LOUD)',
          '  RULE(1, READ) { UAG(nobody) HAG(h) }',
          '  FOO(1)',
          '}',
          'ASG(A)',
          'BAR',
          'UAG(u) { "unterminated }',
        ].join('\n'),
      ),
    ).toEqual([
      'x.acf:1: error: unexpected "}", expected a user',
      'x.acf:2: error: bad CIDR block "10.0.0.0/33"',
      'x.acf:4: error: INPA is not supported (rules cannot depend on PV values)',
      'x.acf:5: error: CALC is not supported',
      'x.acf:6: error: bad RULE level "x", expected 0 or 1',
      'x.acf:7: error: bad RULE access "ALL", expected NONE, READ or WRITE',
      'x.acf:8: error: unexpected RULE argument "LOUD", expected TRAPWRITE or NOTRAPWRITE',
      'x.acf:9: error: RULE refers to undefined UAG "nobody"',
      'x.acf:10: error: unexpected "FOO" in ASG "A", expected RULE',
      'x.acf:12: error: duplicate ASG "A" (first defined at line 3)',
      'x.acf:13: error: unexpected "BAR", expected UAG, HAG or ASG',
      'x.acf:14: error: unterminated string',
    ]);
  });
});

describe('access security on records', () => {
  function setup(files: { [path: string]: string }) {
    const db = new RecordDatabase({ now: () => ({ secPastEpoch: 1, nsec: 0 }) });
    const security = new AccessSecurity('site.acf', db, (p) => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
      return text;
    });
    return { db, security };
  }

  it('applies the ASG and field levels: VAL is ASL0, limits and DESC are ASL1, read-only stays read-only', async () => {
    const { db, security } = setup({ 'site.acf': ACF });
    db.aiRecord('T:AI', { VAL: 1 });
    db.aoRecord('T:RO', { VAL: 1, ASG: 'READONLY' });
    db.aoRecord('T:MISSING', { VAL: 1, ASG: 'NO_SUCH_GROUP' });
    security.load();
    const alice = who('alice', 'cr-console1');
    expect(db.rights('T:AI', alice)).toBe(3);
    expect(db.rights('T:AI.HIHI', alice)).toBe(1);
    expect(db.rights('T:AI.DESC', alice)).toBe(1);
    expect(db.rights('T:AI.SEVR', alice)).toBe(1);
    expect(db.rights('T:AI.HIHI', who('carol', 'x'))).toBe(3);
    expect(db.rights('T:AI.NAME', who('carol', 'x'))).toBe(1);
    expect(db.rights('T:RO', alice)).toBe(1);
    expect(db.rights('T:MISSING', alice)).toBe(3);
    expect(await db.lookup('T:AI.HIHI')!.write({ dbrType: DBR_DOUBLE, count: 1, value: [5] }, alice)).toBe(
      ECA_NOWTACCESS,
    );
    expect(await db.lookup('T:AI')!.write({ dbrType: DBR_DOUBLE, count: 1, value: [5] }, alice)).toBe(
      ECA_NORMAL,
    );
  });

  it('with no ACF everything is read+write except read-only fields', () => {
    const { db } = setup({});
    db.aiRecord('T:AI');
    expect(db.rights('T:AI', who('anyone', 'anywhere'))).toBe(3);
    expect(db.rights('T:AI.STAT', who('anyone', 'anywhere'))).toBe(1);
  });

  it('writing .ASG moves the record to another group and fires onAccessChanged', async () => {
    const { db, security } = setup({ 'site.acf': ACF });
    db.aiRecord('T:AI', { VAL: 1 });
    security.load();
    let changes = 0;
    db.onAccessChanged(() => changes++);
    const carol = who('carol', 'x');
    expect(db.rights('T:AI', carol)).toBe(3);
    expect(
      await db.lookup('T:AI.ASG')!.write({ dbrType: DBR_STRING, count: 1, value: ['READONLY'] }, carol),
    ).toBe(ECA_NORMAL);
    expect(changes).toBe(1);
    expect(db.rights('T:AI', carol)).toBe(1);
  });

  it('reload swaps valid rules and fires onAccessChanged; an invalid file keeps the old rules', () => {
    const files: { [p: string]: string } = { 'site.acf': ACF };
    const { db, security } = setup(files);
    db.aiRecord('T:AI', { VAL: 1 });
    security.load();
    let changes = 0;
    db.onAccessChanged(() => changes++);
    const mallory = who('mallory', 'x');
    expect(db.rights('T:AI', mallory)).toBe(1);

    files['site.acf'] = 'ASG(DEFAULT) { RULE(1, WRITE) }';
    const ok = security.reload();
    expect(ok.ok).toBe(true);
    expect(changes).toBe(1);
    expect(db.rights('T:AI', mallory)).toBe(3);

    files['site.acf'] = 'ASG(DEFAULT) { RULE(1, NOPE) }';
    const bad = security.reload();
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toBe(
      'site.acf:1: error: bad RULE access "NOPE", expected NONE, READ or WRITE',
    );
    expect(changes).toBe(1);
    expect(db.rights('T:AI', mallory)).toBe(3);

    delete files['site.acf'];
    const gone = security.reload();
    expect(!gone.ok && gone.error.message).toBe('site.acf: error: cannot read file: ENOENT');
    expect(db.rights('T:AI', mallory)).toBe(3);
  });

  it('the first load fails loudly', () => {
    const { security } = setup({ 'site.acf': 'ASG(' });
    expect(() => security.load()).toThrow('site.acf:1: error: unexpected end of file, expected an ASG name');
  });
});
