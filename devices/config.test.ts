import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AgentConfigError, createAgent, keepaliveFor, parseAgentConfig } from './index.js';

const valid = {
  brokerUrl: 'mqtt://localhost:1883',
  deviceId: 'vinh-an-c01',
  secret: 's',
  province: 'an-giang',
  commune: 'vinh-an',
  kind: 'cluster' as const,
  heartbeatS: 60,
  logger: pino({ level: 'silent' }),
};

describe('agent configuration', () => {
  it('is checked before any I/O, with the path of each problem', () => {
    expect(() => createAgent({ ...valid, deviceId: '_platform', heartbeatS: 0 })).toThrow(AgentConfigError);
    try {
      createAgent({ ...valid, deviceId: '_platform', heartbeatS: 0, brokerUrl: 'localhost' });
    } catch (error) {
      const problems = (error as AgentConfigError).problems;
      expect(problems.map((p) => p.split(':')[0])).toEqual(['brokerUrl', 'deviceId', 'heartbeatS']);
    }
  });

  it('names the field of a bad outbox, probe or broker setting', () => {
    try {
      createAgent({
        ...valid,
        fallbackBrokerUrls: ['localhost:1883'],
        outbox: { maxMb: -1 },
        probes: { amp: { exec: 'x', file: 'y' } },
        tls: { certFile: 'c' },
      });
      expect.unreachable();
    } catch (error) {
      const problems = (error as AgentConfigError).problems;
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'fallbackBrokerUrls.0',
        'outbox.maxMb',
        'probes.amp',
        'tls.keyFile',
      ]);
    }
  });

  it('takes a client certificate instead of the secret, and names the secret when there is neither', () => {
    const { secret: _secret, ...withoutSecret } = valid;
    const tls = { certFile: '/etc/loa/agent.crt', keyFile: '/etc/loa/agent.key' };
    expect(createAgent({ ...withoutSecret, tls }).stats().online).toBe(false);
    expect(() => createAgent(withoutSecret)).toThrow(
      'secret: missing: give the secret, or a client certificate (tls.certFile and tls.keyFile)',
    );
    expect(() => createAgent({ ...withoutSecret, tls: { caFile: '/etc/loa/ca.pem' } })).toThrow(
      /secret: missing/,
    );
  });

  it('takes a valid configuration without connecting', () => {
    const agent = createAgent(valid);
    expect(agent.stats()).toMatchObject({ online: false, session: undefined, sent: 0 });
  });

  it('sends a heartbeat every 60 s when heartbeatS is not set, as the inventory assumes (docs/agent.md §2)', () => {
    const { heartbeatS: _, logger: __, ...rest } = valid;
    expect(parseAgentConfig(rest).heartbeatS).toBe(60);
  });

  it('keeps alive for about two heartbeats, whole seconds, at most a minute', () => {
    expect(keepaliveFor(0.05)).toBe(1);
    expect(keepaliveFor(10)).toBe(20);
    expect(keepaliveFor(60)).toBe(60);
    expect(keepaliveFor(300)).toBe(60);
  });
});
