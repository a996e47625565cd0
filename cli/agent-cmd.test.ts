import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../devices/index.js';
import { resolveAgentConfig } from './agent-cmd.js';
import { ConfigError } from './config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-agent-cmd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BASE = [
  'brokerUrl: mqtt://broker.example:1883',
  'deviceId: vinh-an-c01',
  'province: an-giang',
  'commune: vinh-an',
  'kind: cluster',
  'heartbeatS: 30',
];

async function agentFile(name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

describe('loa agent configuration', () => {
  it('the sample in docs/ is valid for devices/ (with the secret from LOA_AGENT_SECRET)', async () => {
    const { agent, logLevel } = await resolveAgentConfig({
      file: 'docs/agent.example.yaml',
      flags: {},
      env: { LOA_AGENT_SECRET: 's3cret' },
    });
    expect(parseAgentConfig(agent)).toMatchObject({
      deviceId: 'vinh-an-c01',
      secret: 's3cret',
      heartbeatS: 60,
      meta: { link: '4g' },
    });
    expect(logLevel).toBe('info');
  });

  it('the secret from the file, from secretFile (one trailing newline dropped), or LOA_AGENT_SECRET', async () => {
    const inline = await agentFile('inline.yaml', [...BASE, 'secret: from-file']);
    expect((await resolveAgentConfig({ file: inline, flags: {}, env: {} })).agent.secret).toBe('from-file');
    expect(
      (await resolveAgentConfig({ file: inline, flags: {}, env: { LOA_AGENT_SECRET: 'from-env' } })).agent
        .secret,
    ).toBe('from-env');

    const secretFile = join(dir, 'agent.secret');
    await writeFile(secretFile, 'from-secret-file\n');
    const viaFile = await agentFile('via-file.yaml', [...BASE, `secretFile: ${secretFile}`]);
    const resolved = await resolveAgentConfig({ file: viaFile, flags: {}, env: {} });
    expect(resolved.agent.secret).toBe('from-secret-file');
    expect(resolved.agent).not.toHaveProperty('secretFile');
  });

  it('the generic LOA_SECRET is not a source of the secret', async () => {
    const file = await agentFile('no-secret.yaml', BASE);
    await expect(resolveAgentConfig({ file, flags: {}, env: { LOA_SECRET: 'x' } })).rejects.toThrow(
      `${file}: secret: missing: set secret or secretFile in the file, or the LOA_AGENT_SECRET variable`,
    );
  });

  it('needs no secret with a client certificate', async () => {
    const file = await agentFile('cert.yaml', [
      ...BASE,
      'tls: { certFile: /etc/loa/agent.crt, keyFile: /etc/loa/agent.key }',
    ]);
    const { agent } = await resolveAgentConfig({ file, flags: {}, env: {} });
    expect(agent).not.toHaveProperty('secret');
    expect(parseAgentConfig(agent).tls).toEqual({
      certFile: '/etc/loa/agent.crt',
      keyFile: '/etc/loa/agent.key',
    });
  });

  it('refuses two secrets, an unreadable or empty secretFile', async () => {
    const both = await agentFile('both.yaml', [...BASE, 'secret: a', 'secretFile: b']);
    await expect(resolveAgentConfig({ file: both, flags: {}, env: {} })).rejects.toThrow(
      `${both}: secret, secretFile: set one of them, not both`,
    );
    const missing = await agentFile('missing.yaml', [...BASE, `secretFile: ${join(dir, 'none')}`]);
    await expect(resolveAgentConfig({ file: missing, flags: {}, env: {} })).rejects.toThrow(
      `${missing}: secretFile: cannot read`,
    );
    const emptySecret = join(dir, 'empty.secret');
    await writeFile(emptySecret, '\n');
    const empty = await agentFile('empty.yaml', [...BASE, `secretFile: ${emptySecret}`]);
    await expect(resolveAgentConfig({ file: empty, flags: {}, env: {} })).rejects.toThrow(ConfigError);
  });

  it('LOA_BROKER_URL and LOA_LOG_LEVEL override the file, and flags override both', async () => {
    const file = await agentFile('override.yaml', [...BASE, 'secret: s', 'logLevel: info']);
    const env = { LOA_BROKER_URL: 'mqtt://env:1883', LOA_LOG_LEVEL: 'warn' };
    const fromEnv = await resolveAgentConfig({ file, flags: {}, env });
    expect([fromEnv.agent.brokerUrl, fromEnv.logLevel]).toEqual(['mqtt://env:1883', 'warn']);
    const fromFlags = await resolveAgentConfig({
      file,
      flags: { brokerUrl: 'mqtts://flag:8883', logLevel: 'debug' },
      env,
    });
    expect([fromFlags.agent.brokerUrl, fromFlags.logLevel]).toEqual(['mqtts://flag:8883', 'debug']);
  });

  it("a bad value names the file and the field, with devices/'s message", async () => {
    const file = await agentFile('bad.yaml', [
      ...BASE.filter((l) => !l.startsWith('deviceId')),
      'deviceId: Vinh An',
    ]);
    await expect(resolveAgentConfig({ file, flags: {}, env: { LOA_AGENT_SECRET: 's' } })).rejects.toThrow(
      new RegExp(`${file}: deviceId: must be a lowercase slug`),
    );
  });

  it('an unknown key is refused, not ignored', async () => {
    const file = await agentFile('typo.yaml', [...BASE, 'secret: s', 'heartbeat: 10']);
    await expect(resolveAgentConfig({ file, flags: {}, env: {} })).rejects.toThrow(ConfigError);
  });
});
