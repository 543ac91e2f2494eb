// DBR layouts against hand-written bytes (db_access.h offsets, ca-protocol.md §7.4), conversions, and
// decode(encode(x)) round trips for every request type.
import { describe, expect, it } from 'vitest';
import * as c from '../../src/ca/constants.js';
import { decodeDbr, dbrSize, encodeDbr } from '../../src/ca/dbr.js';
import { EMPTY_METADATA, type ValueSnapshot } from '../../src/ca/value.js';
import { hex, toHex } from '../support/hex.js';

function snap(over: Partial<ValueSnapshot>): ValueSnapshot {
  return {
    nativeType: c.DBF_DOUBLE,
    value: [3.25],
    count: 1,
    status: 0,
    severity: 0,
    stamp: { secPastEpoch: 1072915200, nsec: 500000000 },
    meta: EMPTY_METADATA,
    ackt: 1,
    acks: 0,
    className: 'ai',
    ...over,
  };
}

const meta = {
  ...EMPTY_METADATA,
  units: 'degC',
  precision: 2,
  upperDispLimit: 100,
  lowerDispLimit: -10,
  upperAlarmLimit: 90,
  upperWarningLimit: 80,
  lowerWarningLimit: Number.NaN,
  lowerAlarmLimit: Number.NaN,
  upperCtrlLimit: 50,
  lowerCtrlLimit: 0,
};

describe('DBR sizes (ca-protocol.md §7.3)', () => {
  const oneElement = [
    40, 2, 4, 2, 1, 4, 8, 44, 6, 8, 6, 6, 8, 16, 52, 16, 16, 16, 16, 16, 24, 44, 26, 44, 424, 20, 40, 72, 44,
    30, 52, 424, 22, 48, 88, 2, 2, 48, 40,
  ];
  it.each(oneElement.map((size, type) => [type, size]))(
    'type %i is %i bytes for one element',
    (type, size) => {
      expect(dbrSize(type, 1)).toBe(size);
    },
  );
  it('TIME_DOUBLE x 100000 is 800016 bytes', () => expect(dbrSize(20, 100000)).toBe(800016));
});

describe('encoding', () => {
  it('DBR_TIME_DOUBLE 3.25 at 2024-01-01T00:00:00.5Z (A.5)', () => {
    const e = encodeDbr(c.DBR_TIME_DOUBLE, 0, snap({}));
    expect(e.status).toBe(c.ECA_NORMAL);
    expect(e.count).toBe(1);
    expect(toHex(e.payload)).toBe(toHex(hex('0000 0000 3FF36300 1DCD6500 00000000 400A000000000000')));
  });
  it('DBR_CTRL_DOUBLE: precision, pad, units, 8 limits, value at 80; unused alarm limits NaN', () => {
    const e = encodeDbr(c.DBR_CTRL_DOUBLE, 1, snap({ meta, status: c.HIGH_ALARM, severity: c.MINOR_ALARM }));
    expect(toHex(e.payload)).toBe(
      toHex(
        hex(`0004 0001 0002 0000 64656743 00000000
             4059000000000000 C024000000000000 4056800000000000 4054000000000000
             7FF8000000000000 7FF8000000000000 4049000000000000 0000000000000000
             400A000000000000`),
      ),
    );
  });
  it('DBR_GR_SHORT: units at 4, i16 limits from 12, value at 24; NaN limits are 0', () => {
    const e = encodeDbr(c.DBR_GR_SHORT, 1, snap({ meta, value: [7] }));
    expect(toHex(e.payload)).toBe(
      toHex(hex('0000 0000 64656743 00000000 0064 FFF6 005A 0050 0000 0000 0007 00000000 0000')),
    );
  });
  it('DBR_CTRL_CHAR: u8 limits, pad at 20, value at 21', () => {
    const e = encodeDbr(c.DBR_CTRL_CHAR, 1, snap({ meta, value: [200], nativeType: c.DBF_CHAR }));
    expect(toHex(e.payload)).toBe(
      toHex(hex('0000 0000 64656743 00000000 64 F6 5A 50 00 00 32 00 00 C8 0000')),
    );
  });
  it('DBR_CTRL_ENUM: no_str, 16 slots of 26 bytes, value at 422', () => {
    const e = encodeDbr(
      c.DBR_CTRL_ENUM,
      1,
      snap({ nativeType: c.DBF_ENUM, value: [1], meta: { ...EMPTY_METADATA, enumStrings: ['Off', 'On'] } }),
    );
    expect(e.payload.length).toBe(424);
    expect(e.payload.readInt16BE(4)).toBe(2);
    expect(e.payload.toString('latin1', 6, 9)).toBe('Off');
    expect(e.payload[9]).toBe(0);
    expect(e.payload.toString('latin1', 32, 34)).toBe('On');
    expect(e.payload.readUInt16BE(422)).toBe(1);
    expect(e.payload.subarray(58, 422).every((b) => b === 0)).toBe(true);
  });
  it('DBR_TIME_CHAR and DBR_STS_CHAR put the value after their pad bytes', () => {
    expect(toHex(encodeDbr(c.DBR_TIME_CHAR, 1, snap({ nativeType: c.DBF_CHAR, value: [65] })).payload)).toBe(
      toHex(hex('0000 0000 3FF36300 1DCD6500 0000 00 41')),
    );
    expect(toHex(encodeDbr(c.DBR_STS_CHAR, 1, snap({ nativeType: c.DBF_CHAR, value: [65] })).payload)).toBe(
      toHex(hex('0000 0000 00 41 0000')),
    );
  });
  it('GR and CTRL STRING use the STS layout (value at 4)', () => {
    const e = encodeDbr(c.DBR_CTRL_STRING, 1, snap({ nativeType: c.DBF_STRING, value: ['abc'] }));
    expect(e.payload.length).toBe(48);
    expect(e.payload.toString('latin1', 4, 7)).toBe('abc');
  });
  it('DBR_STSACK_STRING and DBR_CLASS_NAME', () => {
    const e = encodeDbr(c.DBR_STSACK_STRING, 1, snap({ severity: 2, status: 3, ackt: 1, acks: 2, meta }));
    expect(toHex(e.payload.subarray(0, 13))).toBe(toHex(hex('0003 0002 0001 0002 332E3235 00')));
    expect(encodeDbr(c.DBR_CLASS_NAME, 1, snap({})).payload.toString('latin1', 0, 3)).toBe('ai\0');
  });
  it('double to string honours PREC; enum to string gives the state', () => {
    const e = encodeDbr(
      c.DBR_STRING,
      1,
      snap({ value: [3.14159], meta: { ...EMPTY_METADATA, precision: 3 } }),
    );
    expect(e.payload.toString('latin1', 0, 6)).toBe('3.142\0');
    const en = encodeDbr(
      c.DBR_STRING,
      1,
      snap({ nativeType: c.DBF_ENUM, value: [1], meta: { ...EMPTY_METADATA, enumStrings: ['Off', 'On'] } }),
    );
    expect(en.payload.toString('latin1', 0, 3)).toBe('On\0');
  });
  it('string to number: "12 mm" is 12; unparsable text fails with ECA_GETFAIL and zeros', () => {
    expect(
      encodeDbr(c.DBR_LONG, 1, snap({ nativeType: c.DBF_STRING, value: ['12 mm'] })).payload.readInt32BE(0),
    ).toBe(12);
    const bad = encodeDbr(c.DBR_DOUBLE, 1, snap({ nativeType: c.DBF_STRING, value: ['abc'] }));
    expect(bad.status).toBe(c.ECA_GETFAIL);
    expect(bad.payload.every((b) => b === 0)).toBe(true);
  });
  it('count 0 gives the current size; an empty array gives count 0 and one zeroed slot', () => {
    const arr = encodeDbr(c.DBR_DOUBLE, 0, snap({ value: new Float64Array([1, 2, 3, 0, 0]), count: 3 }));
    expect(arr.count).toBe(3);
    expect(arr.payload.length).toBe(24);
    const empty = encodeDbr(c.DBR_TIME_SHORT, 0, snap({ nativeType: c.DBF_SHORT, value: [], count: 0 }));
    expect(empty.count).toBe(0);
    expect(empty.payload.length).toBe(16);
  });
  it('a count above the valid elements is zero-filled', () => {
    const e = encodeDbr(c.DBR_LONG, 5, snap({ nativeType: c.DBF_LONG, value: [1, 2], count: 2 }));
    expect(toHex(e.payload)).toBe(toHex(hex('00000001 00000002 00000000 00000000 00000000 00000000')));
  });
  it('PUT_ACKT/PUT_ACKS cannot be read; types above 38 are ECA_BADTYPE', () => {
    expect(encodeDbr(c.DBR_PUT_ACKT, 1, snap({})).status).toBe(c.ECA_GETFAIL);
    expect(encodeDbr(39, 1, snap({})).status).toBe(c.ECA_BADTYPE);
  });
  it('double to float clamps finite overflow to FLT_MAX', () => {
    expect(encodeDbr(c.DBR_FLOAT, 1, snap({ value: [1e300] })).payload.readFloatBE(0)).toBeCloseTo(
      3.4028234663852886e38,
      -30,
    );
  });
});

describe('decoding', () => {
  it('accepts the short scalar string payload libca sends for puts', () => {
    expect(decodeDbr(c.DBR_STRING, 1, hex('61 62 63 00 00 00 00 00')).value).toEqual(['abc']);
  });
  it('reads no more elements than the payload holds', () => {
    expect(decodeDbr(c.DBR_LONG, 5, hex('00000001 00000002')).value).toEqual([1, 2]);
  });
  const natives: [number, ValueSnapshot['value']][] = [
    [c.DBF_STRING, ['abc', 'de']],
    [c.DBF_SHORT, [-2, 300]],
    [c.DBF_FLOAT, [1.5, -0.25]],
    [c.DBF_ENUM, [1, 0]],
    [c.DBF_CHAR, [1, 255]],
    [c.DBF_LONG, [-100000, 7]],
    [c.DBF_DOUBLE, [1.25, 1e100]],
  ];
  for (const [native, value] of natives) {
    it(`native ${c.DBR_NAMES[native]} round-trips through its plain/STS/TIME/GR/CTRL types`, () => {
      const s = snap({
        nativeType: native as 0,
        value,
        count: 2,
        severity: 1,
        status: 4,
        meta: { ...meta, enumStrings: ['a', 'b'] },
      });
      for (let family = 0; family <= 4; family++) {
        const type = family * 7 + native;
        const e = encodeDbr(type, 0, s);
        const d = decodeDbr(type, e.count, e.payload);
        expect(d.value).toEqual(value);
        if (family > 0) expect([d.status, d.severity]).toEqual([4, 1]);
        if (family === 2) expect(d.stamp).toEqual(s.stamp);
        if (family >= 3 && (native === c.DBF_DOUBLE || native === c.DBF_FLOAT)) {
          expect(d.units).toBe('degC');
          expect(d.precision).toBe(2);
          expect(d.upperDispLimit).toBe(100);
          expect(d.lowerAlarmLimit).toBeNaN();
        }
        if (family === 4 && native === c.DBF_DOUBLE)
          expect([d.upperCtrlLimit, d.lowerCtrlLimit]).toEqual([50, 0]);
        if (family >= 3 && native === c.DBF_ENUM) expect(d.enumStrings).toEqual(['a', 'b']);
      }
    });
  }
});
