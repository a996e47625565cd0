import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { BROKER_COMMAND } from './broker-register.js';
import {
  configFlags,
  declareCommand,
  defaultOf,
  helpOf,
  schemaAt,
  type CommandSpec,
} from './command-spec.js';
import { resolveConfig } from './config.js';
import { COVERAGE_RUN_COMMAND } from './coverage-run-register.js';
import { INGEST_COMMAND } from './ingest-register.js';
import {
  SIMULATE_BACKFILL_COMMAND,
  SIMULATE_GENERATE_COMMAND,
  SIMULATE_LOAD_COMMAND,
  SIMULATE_RUN_COMMAND,
} from './simulate-register.js';
import { UP_COMMAND } from './up-register.js';

const COMMANDS: readonly CommandSpec[] = [
  UP_COMMAND,
  INGEST_COMMAND,
  BROKER_COMMAND,
  COVERAGE_RUN_COMMAND,
  SIMULATE_GENERATE_COMMAND,
  SIMULATE_RUN_COMMAND,
  SIMULATE_BACKFILL_COMMAND,
  SIMULATE_LOAD_COMMAND,
];

/** The configuration a command resolves from `args` alone (no file, no LOA_* variables). */
function resolve(spec: CommandSpec, args: string[]): Record<string, unknown> {
  const command = declareCommand(new Command(spec.name).exitOverride(), spec);
  command.parse(args, { from: 'user' });
  return resolveConfig(spec.schema, { env: {}, flags: configFlags(spec, command.opts()) });
}

function at(config: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
}

describe('each command declared once', () => {
  it('every option has help, and sets a setting its schema has', () => {
    for (const spec of COMMANDS) {
      for (const o of spec.options) {
        expect(helpOf(spec, o).trim(), `${spec.name} ${o.flag}`).not.toBe('');
        if (o.key !== undefined)
          expect(schemaAt(spec.schema, o.key), `${spec.name} ${o.flag} → ${o.key}`).toBeDefined();
      }
    }
  });

  it('a default shown in help is the one the schema gives, never a copy of it', () => {
    for (const spec of COMMANDS) {
      for (const o of spec.options) {
        if (o.key === undefined || o.shownDefault !== undefined) continue;
        const value = defaultOf(spec.schema, o.key);
        if (value === undefined) continue;
        const written = /\(default "?([^;:,")]+)/.exec(o.description)?.[1];
        if (written !== undefined) {
          expect(written, `${spec.name} ${o.flag}: write {default}, not the value`).toBe('{default}');
        }
      }
    }
  });

  it('an option given reaches its setting', () => {
    expect(at(resolve(UP_COMMAND, ['--mqtt-port', '1884', '--simulate']), 'mqtt.port')).toBe(1884);
    expect(
      at(resolve(SIMULATE_GENERATE_COMMAND, ['--out', 'o', '--fm-share', '0.5']), 'simulation.fmShare'),
    ).toBe(0.5);
    const ingest = resolve(INGEST_COMMAND, [
      '--inventory',
      'i',
      '--broker',
      'mqtt://b',
      '--influx-url',
      'http://i',
    ]);
    expect(at(ingest, 'broker.url')).toBe('mqtt://b');
    expect(at(ingest, 'broker.clientId')).toBe(defaultOf(INGEST_COMMAND.schema, 'broker.clientId'));
  });

  it('a section the schema makes optional is set only when one of its flags is given', () => {
    expect(resolve(SIMULATE_RUN_COMMAND, []).broker).toBeUndefined();
    expect(resolve(SIMULATE_RUN_COMMAND, ['--broker', 'mqtt://b']).broker).toEqual({ url: 'mqtt://b' });
    expect(resolve(BROKER_COMMAND, ['--inventory', 'i']).tls).toBeUndefined();
    // A TLS flag without its certificate is not dropped: the error names what is missing.
    expect(() => resolve(BROKER_COMMAND, ['--inventory', 'i', '--tls-port', '8884'])).toThrow(/tls\.cert/);
  });

  it('refuses {default} where there is none to show', () => {
    const spec: CommandSpec = {
      ...UP_COMMAND,
      options: [
        { flag: '--influxd <path>', description: 'binary (default {default})', key: 'influx.binary' },
      ],
    };
    expect(() => declareCommand(new Command('up'), spec)).toThrow(
      'up --influxd <path>: help shows {default}',
    );
  });
});
