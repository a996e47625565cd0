import type { Command } from 'commander';

/**
 * The embedded broker's optional listeners, limits, Redis, service accounts and credential cache, as flags: `loa broker` and `loa up` take
 * the same ones (and the same config keys, cli/schema.ts `brokerListenerShape`). Only commander here:
 * main.ts loads this for every command.
 */
export function addBrokerListenerOptions(command: Command, num: (value: string) => number): Command {
  return command
    .option('--tls-port <port>', 'TLS listener port (default 8883, with --tls-cert; 0 = any free port)', num)
    .option('--tls-cert <file>', 'PEM certificate of the TLS listener')
    .option('--tls-key <file>', 'PEM key of the TLS listener')
    .option(
      '--tls-ca <file>',
      'PEM CA of device certificates: a certificate whose CN is a device id logs it in',
    )
    .option('--tls-require-client-cert', 'mutual TLS only on the TLS listener')
    .option('--ws-port <port>', 'MQTT over WebSocket listener port (path /mqtt; 0 = any free port)', num)
    .option(
      '--publish-rate <per-second>',
      'per-device publish rate, sustained (default 2; 0 = no limit, for load tests)',
      num,
    )
    .option(
      '--publish-burst <messages>',
      'per-device publish burst, for replays after an outage (default 5000)',
      num,
    )
    .option(
      '--service-accounts <file>',
      'YAML list of service accounts: - { username, secret: <hash from loa secret hash>, role: ingest|reader }',
    )
    .option(
      '--credential-cache <file>',
      'keep verified credentials across restarts in this file (0600; loa up: in its data folder)',
    )
    .option(
      '--redis <url>',
      'share the stream with other broker instances through Redis, e.g. redis://127.0.0.1:6379',
    );
}

type Flags = Record<string, string | number | boolean | undefined>;

/** The flags of addBrokerListenerOptions as config keys (unset flags leave the file and variables alone). */
export function brokerListenerFlags(o: Flags): Record<string, unknown> {
  return {
    ...(o.tlsCert !== undefined && {
      tls: {
        port: o.tlsPort,
        key: o.tlsKey,
        cert: o.tlsCert,
        ca: o.tlsCa,
        requireClientCert: o.tlsRequireClientCert,
      },
    }),
    ...(o.wsPort !== undefined && { ws: { port: o.wsPort } }),
    ...((o.publishRate !== undefined || o.publishBurst !== undefined) && {
      limits: { publishPerSecond: o.publishRate, publishBurst: o.publishBurst },
    }),
    redis: o.redis,
    serviceAccounts: o.serviceAccounts,
    credentialCache: o.credentialCache,
  };
}
