import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { BROKER_COMMAND } from './broker-register.js';
import { configFlags, declareCommand, type CommandSpec } from './command-spec.js';
import { resolveConfig } from './config.js';
import { UP_COMMAND } from './up-register.js';

/** Parses `args` as the command of `spec` does: its flags as configuration keys. */
function flagsOf(spec: CommandSpec, args: string[]): Record<string, unknown> {
  const command = declareCommand(new Command('x').exitOverride(), spec);
  command.parse(args, { from: 'user' });
  return configFlags(spec, command.opts());
}

const up = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  resolveConfig(UP_COMMAND.schema, { env, flags: flagsOf(UP_COMMAND, args) });
const broker = (args: string[]) =>
  resolveConfig(BROKER_COMMAND.schema, {
    env: {},
    flags: flagsOf(BROKER_COMMAND, ['--inventory', 'i', ...args]),
  });

describe('the broker flags shared by loa broker and loa up', () => {
  const args = [
    ...['--tls-port', '0', '--tls-cert', 's.crt', '--tls-key', 's.key', '--tls-ca', 'ca.crt'],
    ...['--tls-require-client-cert', '--ws-port', '8080', '--redis', 'redis://127.0.0.1:6379'],
    ...['--publish-rate', '0', '--publish-burst', '100'],
    // Issue #14, point 13: `loa up` takes service accounts as `loa broker` does.
    ...['--service-accounts', 'accounts.yaml', '--credential-cache', 'verified'],
  ];

  it('give both commands the same configuration', () => {
    const expected = {
      tls: { port: 0, key: 's.key', cert: 's.crt', ca: 'ca.crt', requireClientCert: true },
      ws: { port: 8080 },
      redis: 'redis://127.0.0.1:6379',
      limits: { publishPerSecond: 0, publishBurst: 100 },
      serviceAccounts: 'accounts.yaml',
      credentialCache: 'verified',
    };
    expect(up(args)).toMatchObject(expected);
    expect(broker(args)).toMatchObject(expected);
  });

  it('leave what is not given to the file and LOA_* variables', () => {
    const config = up(['--publish-rate', '5'], { LOA_LIMITS_PUBLISH_BURST: '9000' });
    expect(config.limits).toEqual({ publishPerSecond: 5, publishBurst: 9000 });
    expect(config.tls).toBeUndefined();
    expect(config.ws).toBeUndefined();
    expect(up([]).limits).toBeUndefined();
  });
});
