import { describe, expect, it } from 'vitest';
import { hashSecret } from '../protocol/index.js';
import { ConfigError, resolveConfig } from './config.js';
import { parseServiceAccounts } from './service-accounts.js';
import { brokerConfigSchema } from './schema.js';

const CHEAP = { N: 1024, r: 8, p: 1 };
const FILE = 'accounts.yaml';

describe('the service accounts file', () => {
  it('reads username, secret hash and role', async () => {
    const ingest = await hashSecret('ingest-secret', CHEAP);
    const reader = await hashSecret('reader-secret', CHEAP);
    const text = `- { username: loa-ingest, secret: "${ingest}", role: ingest }\n- username: console\n  secret: "${reader}"\n  role: reader\n`;
    expect(parseServiceAccounts(text, FILE)).toEqual([
      { username: 'loa-ingest', secretHash: ingest, role: 'ingest' },
      { username: 'console', secretHash: reader, role: 'reader' },
    ]);
  });

  it('an empty file is no accounts', () => {
    expect(parseServiceAccounts('', FILE)).toEqual([]);
  });

  it('names the file, the line and the field of each problem', async () => {
    const hash = await hashSecret('s', CHEAP);
    const text = [
      `- { username: a, secret: "${hash}", role: ingest }`,
      '- { username: b, secret: plain-text, role: reader }',
      `- { username: c, secret: "${hash}", role: admin }`,
      `- { username: d, secret: "${hash}", role: reader, password: x }`,
      '',
    ].join('\n');
    const message = messageOf(() => parseServiceAccounts(text, FILE));
    expect(message).toContain(`${FILE}:2: [1].secret: is not a hash from \`loa secret hash\``);
    expect(message).toContain(`${FILE}:3: [2].role:`);
    expect(message).toMatch(new RegExp(`${FILE}:4: \\[3\\]: .*password`));
  });

  it('refuses a username defined twice', async () => {
    const hash = await hashSecret('s', CHEAP);
    const text = `- { username: a, secret: "${hash}", role: ingest }\n- { username: a, secret: "${hash}", role: reader }\n`;
    expect(messageOf(() => parseServiceAccounts(text, FILE))).toContain(
      `${FILE}:2: [1].username: "a" is defined twice`,
    );
  });

  it('refuses what is not a list, and YAML that does not parse', () => {
    expect(() => parseServiceAccounts('username: a\n', FILE)).toThrow(ConfigError);
    expect(messageOf(() => parseServiceAccounts('username: a\n', FILE))).toBe(
      `${FILE}:1: must be a YAML list of { username, secret, role }`,
    );
    expect(messageOf(() => parseServiceAccounts('- { username: a\n', FILE))).toMatch(
      new RegExp(`^${FILE}:\\d+: not valid YAML`),
    );
  });
});

describe('loa broker configuration', () => {
  it('defaults, then LOA_* variables, then flags', () => {
    const config = resolveConfig(brokerConfigSchema, {
      env: { LOA_MQTT_PORT: '1884', LOA_SERVICE_ACCOUNTS: 'accounts.yaml' },
      flags: { inventory: 'inventory', mqtt: { host: '0.0.0.0', port: undefined }, http: { port: 0 } },
    });
    expect(config).toEqual({
      inventory: 'inventory',
      serviceAccounts: 'accounts.yaml',
      mqtt: { host: '0.0.0.0', port: 1884 },
      http: { host: '127.0.0.1', port: 0 },
    });
  });

  it('a bad port names the field and its variable', () => {
    expect(() =>
      resolveConfig(brokerConfigSchema, { env: {}, flags: { inventory: 'i', mqtt: { port: 70_000 } } }),
    ).toThrow(/mqtt\.port: .*LOA_MQTT_PORT/);
  });
});

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('loa broker limits', () => {
  it('come from LOA_LIMITS_* variables and are checked', () => {
    const config = resolveConfig(brokerConfigSchema, {
      env: { LOA_LIMITS_PUBLISH_PER_SECOND: '2', LOA_LIMITS_PUBLISH_BURST: '5000' },
      flags: { inventory: 'inventory' },
    });
    expect(config.limits).toEqual({ publishPerSecond: 2, publishBurst: 5000 });
    expect(() =>
      resolveConfig(brokerConfigSchema, {
        env: { LOA_LIMITS_MAX_PACKET_BYTES: '100' },
        flags: { inventory: 'i' },
      }),
    ).toThrow(/limits\.maxPacketBytes/);
  });
});
