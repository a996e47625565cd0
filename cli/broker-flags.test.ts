import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addBrokerListenerOptions, brokerListenerFlags } from './broker-flags.js';
import { resolveConfig } from './config.js';
import { brokerConfigSchema, upConfigSchema } from './schema.js';

/** Parses `args` with the shared broker flags, as `loa broker` and `loa up` do. */
function flags(args: string[]): Record<string, unknown> {
  const command = addBrokerListenerOptions(new Command('x').exitOverride(), Number);
  command.parse(args, { from: 'user' });
  return brokerListenerFlags(command.opts());
}

describe('the broker flags shared by loa broker and loa up', () => {
  const args = [
    ...['--tls-port', '0', '--tls-cert', 's.crt', '--tls-key', 's.key', '--tls-ca', 'ca.crt'],
    ...['--tls-require-client-cert', '--ws-port', '8080', '--redis', 'redis://127.0.0.1:6379'],
    ...['--publish-rate', '0', '--publish-burst', '100'],
    // Issue #14, point 13: `loa up` takes service accounts as `loa broker` does.
    ...['--service-accounts', 'accounts.yaml', '--credential-cache', 'verified'],
  ];

  it('give both commands the same configuration', () => {
    const up = resolveConfig(upConfigSchema, { env: {}, flags: flags(args) });
    const broker = resolveConfig(brokerConfigSchema, { env: {}, flags: { inventory: 'i', ...flags(args) } });
    const expected = {
      tls: { port: 0, key: 's.key', cert: 's.crt', ca: 'ca.crt', requireClientCert: true },
      ws: { port: 8080 },
      redis: 'redis://127.0.0.1:6379',
      limits: { publishPerSecond: 0, publishBurst: 100 },
      serviceAccounts: 'accounts.yaml',
      credentialCache: 'verified',
    };
    expect(up).toMatchObject(expected);
    expect(broker).toMatchObject(expected);
  });

  it('leave what is not given to the file and LOA_* variables', () => {
    const up = resolveConfig(upConfigSchema, {
      env: { LOA_LIMITS_PUBLISH_BURST: '9000' },
      flags: flags(['--publish-rate', '5']),
    });
    expect(up.limits).toEqual({ publishPerSecond: 5, publishBurst: 9000 });
    expect(up.tls).toBeUndefined();
    expect(up.ws).toBeUndefined();
    expect(resolveConfig(upConfigSchema, { env: {}, flags: flags([]) }).limits).toBeUndefined();
  });
});
