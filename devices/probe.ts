import type { HeartbeatMessage } from '../protocol/index.js';

/**
 * What a probe measures for one heartbeat: everything of the heartbeat but the envelope the agent adds
 * (`v`, `ts`, `seq`). Real probes (power supply, amplifier, relay, modem) and the simulator's virtual
 * hardware plug in here.
 */
export type HeartbeatFields = Omit<HeartbeatMessage, 'v' | 'ts' | 'seq'>;

/** Reads the device's state once per heartbeat; may be asynchronous (sysfs, a serial port, a modem). */
export type Probe = () => HeartbeatFields | Promise<HeartbeatFields>;

/** The probe of a box with no sensors wired up: mains power, amplifier on, uptime of this process. */
export const defaultProbe: Probe = () => ({
  uptime_s: Math.floor(process.uptime()),
  power: 'mains',
  amp: 'on',
});
