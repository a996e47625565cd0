import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { MessageOf } from '../protocol/index.js';
import { CLOCK_FLOOR_MS, createClockGate, MAX_HELD } from './clock.js';

const logger = pino({ level: 'silent' });
const beat = (seq: number): MessageOf['heartbeat'] => ({
  v: 1,
  ts: 0,
  seq,
  uptime_s: seq,
  power: 'mains',
  amp: 'on',
});

function gate() {
  const state = { wall: 60_000, mono: 1_000 };
  const accepted: { channel: string; seq?: number; ts: number }[] = [];
  const g = createClockGate({
    clock: () => state.wall,
    monotonic: () => state.mono,
    logger,
    accept: (channel, message) => {
      accepted.push({ channel, ts: message.ts, ...('seq' in message && { seq: message.seq }) });
    },
  });
  return { g, state, accepted };
}

describe('clock gate', () => {
  it('holds messages while the clock is before the floor, then stamps each with when it was made', () => {
    const { g, state, accepted } = gate();
    g.submit('heartbeat', beat(0));
    state.mono += 60_000;
    state.wall += 60_000;
    g.submit('heartbeat', beat(1));
    expect(accepted).toEqual([]);
    expect(g.held()).toBe(2);
    // NTP sets the clock 30 s after the second heartbeat.
    state.mono += 30_000;
    state.wall = Date.UTC(2026, 10, 25, 12, 0, 0);
    expect(g.isSet()).toBe(true);
    expect(accepted).toEqual([
      { channel: 'heartbeat', seq: 0, ts: state.wall - 90_000 },
      { channel: 'heartbeat', seq: 1, ts: state.wall - 30_000 },
    ]);
    // From now on, stamped at once.
    state.mono += 1_000;
    state.wall += 1_000;
    g.submit('event', { v: 1, ts: 0, type: 'reboot' });
    expect(accepted.at(-1)).toEqual({ channel: 'event', ts: state.wall });
    expect(g.held()).toBe(0);
  });

  it('holds at most MAX_HELD messages, and drops what it holds when told to', () => {
    const { g } = gate();
    for (let i = 0; i < MAX_HELD; i++) expect(g.submit('heartbeat', beat(i))).toBe(true);
    expect(g.submit('heartbeat', beat(MAX_HELD))).toBe(false);
    expect(g.discard()).toBe(MAX_HELD);
    expect(g.held()).toBe(0);
  });

  it('takes the floor itself as a set clock', () => {
    const { g, state } = gate();
    state.wall = CLOCK_FLOOR_MS - 1;
    expect(g.isSet()).toBe(false);
    state.wall = CLOCK_FLOOR_MS;
    expect(g.isSet()).toBe(true);
  });
});
