// LAST_EXIT is a 40-character stringin: long FATAL reasons keep their meaning by shortening paths.
import { describe, expect, it } from 'vitest';
import { shortReason } from '../../src/agent/gateway-records.js';

describe('shortReason', () => {
  it('keeps reasons that fit', () => {
    expect(shortReason('gateway binary not found: gateway')).toBe('gateway binary not found: gateway');
  });
  it('shortens paths to their last part', () => {
    expect(shortReason('gateway binary not found: /opt/epics/extensions/bin/linux-x86_64/gateway')).toBe(
      'gateway binary not found: .../gateway',
    );
  });
});
