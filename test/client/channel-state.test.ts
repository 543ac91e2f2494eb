// The CA client's named channel states: the transition table, its run-time check, and a Channel
// walked through a whole life (found, connected, lost, found again, closed) and refused a bad arrow.
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_STATES,
  CHANNEL_TRANSITIONS,
  isLookingForServer,
  nextChannelState,
} from '../../src/ca/client/channel-state.js';
import { Channel, type ChannelHost } from '../../src/ca/client/channel.js';
import type { GwError } from '../../src/errors.js';

/** A host that must never be called: these tests only move states. */
const host = new Proxy({} as ChannelHost, {
  get: (_t, key) => () => {
    throw new Error(`host.${String(key)} called`);
  },
});

function errorOf(f: () => unknown): GwError {
  try {
    f();
  } catch (err) {
    return err as GwError;
  }
  throw new Error('nothing thrown');
}

describe('channel states', () => {
  it('lists every state, ends in closed, and lets the application close from any other state', () => {
    expect(Object.keys(CHANNEL_TRANSITIONS).sort()).toEqual([...CHANNEL_STATES].sort());
    expect(CHANNEL_TRANSITIONS.closed).toEqual([]);
    for (const s of CHANNEL_STATES.filter((s) => s !== 'closed'))
      expect(CHANNEL_TRANSITIONS[s]).toContain('closed');
  });

  it.each([
    ['searching', 'connected'],
    ['searching', 'disconnected'],
    ['connecting', 'disconnected'],
    ['connected', 'searching'],
    ['connected', 'connecting'],
    ['disconnected', 'connected'],
    ['disconnected', 'searching'],
    ['closed', 'searching'],
    ['closed', 'closed'],
  ] as const)('refuses %s -> %s with GW_INTERNAL', (from, to) => {
    const err = errorOf(() => nextChannelState('X:PV', from, to));
    expect([err.code, err.message]).toEqual([
      'GW_INTERNAL',
      `channel X:PV: illegal transition ${from} -> ${to}`,
    ]);
  });

  it('attaches search replies only to channels without a server', () => {
    expect(CHANNEL_STATES.filter(isLookingForServer)).toEqual(['searching', 'disconnected']);
  });

  it('walks a Channel through its life and keeps its state on an illegal move', () => {
    const ch = new Channel('X:PV', 1, host);
    const life = [
      'connecting',
      'searching',
      'connecting',
      'connected',
      'disconnected',
      'connecting',
      'connected',
    ] as const;
    const seen: string[] = [ch.state];
    for (const next of life) {
      ch.moveTo(next);
      seen.push(ch.state);
    }
    expect(seen).toEqual(['searching', ...life]);
    expect(ch.isConnected).toBe(true);
    expect(errorOf(() => ch.moveTo('searching')).code).toBe('GW_INTERNAL');
    expect(ch.state).toBe('connected');
    ch.moveTo('closed');
    expect([ch.state, ch.isConnected]).toEqual(['closed', false]);
    expect(errorOf(() => ch.moveTo('connecting')).message).toBe(
      'channel X:PV: illegal transition closed -> connecting',
    );
  });
});
