import { DEFAULT_BROKER_LIMITS } from '../broker/defaults.js';
import type { OptionSpec } from './command-spec.js';

/**
 * The embedded broker's optional listeners, limits, Redis, service accounts and credential cache, as
 * flags: `loa broker` and `loa up` take the same ones (and the same config keys, cli/schema.ts
 * `brokerListenerShape`). A section (`tls`, `ws`, `limits`) is set only when one of its flags is given.
 */
export const BROKER_LISTENER_OPTIONS: readonly OptionSpec[] = [
  {
    flag: '--tls-port <port>',
    description: 'TLS listener port (default {default}, with --tls-cert; 0 = any free port)',
    key: 'tls.port',
    number: true,
  },
  { flag: '--tls-cert <file>', description: 'PEM certificate of the TLS listener', key: 'tls.cert' },
  { flag: '--tls-key <file>', description: 'PEM key of the TLS listener', key: 'tls.key' },
  {
    flag: '--tls-ca <file>',
    description: 'PEM CA of device certificates: a certificate whose CN is a device id logs it in',
    key: 'tls.ca',
  },
  {
    flag: '--tls-require-client-cert',
    description: 'mutual TLS only on the TLS listener',
    key: 'tls.requireClientCert',
  },
  {
    flag: '--ws-port <port>',
    description: 'MQTT over WebSocket listener port (path /mqtt; 0 = any free port)',
    key: 'ws.port',
    number: true,
  },
  {
    flag: '--publish-rate <per-second>',
    description: 'per-device publish rate, sustained (default {default}; 0 = no limit, for load tests)',
    key: 'limits.publishPerSecond',
    number: true,
    shownDefault: DEFAULT_BROKER_LIMITS.publishPerSecond,
  },
  {
    flag: '--publish-burst <messages>',
    description: 'per-device publish burst, for replays after an outage (default {default})',
    key: 'limits.publishBurst',
    number: true,
    shownDefault: DEFAULT_BROKER_LIMITS.publishBurst,
  },
  {
    flag: '--service-accounts <file>',
    description:
      'YAML list of service accounts: - { username, secret: <hash from loa secret hash>, role: ingest|reader }',
    key: 'serviceAccounts',
  },
  {
    flag: '--credential-cache <file>',
    description: 'keep verified credentials across restarts in this file (0600; loa up: in its data folder)',
    key: 'credentialCache',
  },
  {
    flag: '--redis <url>',
    description: 'share the stream with other broker instances through Redis, e.g. redis://127.0.0.1:6379',
    key: 'redis',
  },
];
