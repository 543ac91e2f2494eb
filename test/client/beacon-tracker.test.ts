// Beacon anomaly detection (libca bhe.cpp rules) and the caRepeater registration message.
import { describe, expect, it } from 'vitest';
import { BeaconTracker, repeaterRegisterMessage } from '../../src/ca/client/beacon-tracker.js';
import { hex, toHex } from '../support/hex.js';

/** A beacon (A.3) for port 5064 with `counter` and address 0 (the receiver uses the source). */
function beacon(counter: number): Buffer {
  const b = hex('00 0D 00 00 00 0D 13 C8 00 00 00 00 00 00 00 00');
  b.writeUInt32BE(counter, 8);
  return b;
}

describe('BeaconTracker', () => {
  it('flags a new server, then stays quiet for a steady period', () => {
    const t = new BeaconTracker();
    expect(t.handleDatagram(beacon(7), '10.0.0.1', 0)).toEqual({ anomaly: true, repeaterConfirmed: false });
    const verdicts = [8, 9, 10, 11].map(
      (c, i) => t.handleDatagram(beacon(c), '10.0.0.1', (i + 1) * 15_000).anomaly,
    );
    expect(verdicts).toEqual([false, false, false, false]);
  });

  it('flags a beacon after a long silence and a restarted server fast start', () => {
    const t = new BeaconTracker();
    for (let i = 0; i < 4; i++) t.onBeacon('s', i, i * 15_000);
    expect(t.onBeacon('s', 4, 45_000 + 50_000)).toBe(true); // gap of 50 s >= 3.25 x 15 s
    expect(t.onBeacon('s', 5, 95_000 + 15_000)).toBe(false);
    // Restarted server: counter 0 just below the last is discarded (libca), its next beacon 40 ms
    // later is far below the average period.
    expect(t.onBeacon('s', 0, 110_020)).toBe(false);
    expect(t.onBeacon('s', 1, 110_060)).toBe(true);
  });

  it('discards duplicates: the same counter, one just below, or a jump of 2 or 3', () => {
    const t = new BeaconTracker();
    t.onBeacon('s', 10, 0);
    t.onBeacon('s', 11, 15_000);
    expect(t.onBeacon('s', 11, 15_010)).toBe(false);
    expect(t.onBeacon('s', 10, 15_020)).toBe(false);
    expect(t.onBeacon('s', 13, 15_030)).toBe(false);
    expect(t.onBeacon('s', 14, 30_030)).toBe(false);
  });

  it('keys servers by beacon address (p2, else the source) and port, and sees REPEATER_CONFIRM', () => {
    const t = new BeaconTracker();
    const withAddr = beacon(1);
    withAddr.writeUInt32BE(0x0a000005, 12);
    expect(t.handleDatagram(withAddr, '127.0.0.1', 0).anomaly).toBe(true);
    expect(t.handleDatagram(beacon(1), '127.0.0.1', 0).anomaly).toBe(true);
    expect(t.size).toBe(2);
    expect(t.handleDatagram(hex('00 11 00 00 00 00 00 00 00 00 00 00 7F 00 00 01'), '127.0.0.1', 0)).toEqual({
      anomaly: false,
      repeaterConfirmed: true,
    });
  });

  it('builds REPEATER_REGISTER with the local address in p2', () => {
    expect(toHex(repeaterRegisterMessage())).toBe('00 18 00 00 00 00 00 00 00 00 00 00 7f 00 00 01');
  });
});
