import { describe, expect, it } from 'vitest';
import { ExitNotes, gatewayExitReason, lastExitText } from '../../src/agent/exit-reason.js';

// The real gateway's output when pcas cannot bind its -sip (captured from the peers' ca-gateway 2.2).
const NOT_ATTACHED = [
  '06:28:30.1 filename="../../../../../../src/ca/legacy/pcas/io/bsdSocket/casDGIntfIO.cc" line number=126',
  '06:28:30.1 server isnt attached to a network - unable to continue',
  '06:28:30.1 Dec 05 06:28:30 Failed to start gateServer, aborting',
  '06:28:30.1   Reason: server isnt attached to a network',
  '06:28:30.1 Dec 05 06:28:30 PV Gateway Version 2.2.0-DEV [Dec  4 2026 21:24:25]',
].join('\n');

describe("a gateway's own exit reason", () => {
  it("takes ca-gateway's Reason line; none when the output gives none", () => {
    expect(gatewayExitReason(NOT_ATTACHED)).toBe('server isnt attached to a network');
    expect(gatewayExitReason('Failed to start gateServer, aborting\n')).toBe('Failed to start gateServer');
    expect(gatewayExitReason('PV Gateway Version 2.2.0\nrunning\n')).toBeUndefined();
  });

  it('LAST_EXIT: exit and reason when they fit 39 characters, else the reason alone, else cut', () => {
    expect(lastExitText('exit 0', 'bind failed')).toBe('exit 0: bind failed');
    expect(lastExitText('exit 0', 'server isnt attached to a network')).toBe(
      'server isnt attached to a network',
    );
    expect(lastExitText('signal SIGKILL', undefined)).toBe('signal SIGKILL');
    expect(lastExitText('exit 1', 'x'.repeat(50))).toHaveLength(39);
  });

  it('only the output of the run that just ended counts', () => {
    const notes = new ExitNotes();
    notes.started('GW', '');
    expect(notes.reason('GW', NOT_ATTACHED)).toBe('server isnt attached to a network');
    // restarted after that failure: the old Reason line is before the mark
    notes.started('GW', NOT_ATTACHED.split('\n').at(-1)!);
    expect(notes.reason('GW', `${NOT_ATTACHED}\n06:29:00.0 killed\n`)).toBeUndefined();
  });
});
