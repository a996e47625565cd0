import { readFile } from 'node:fs/promises';
import type { BrokerOptions, TlsListenerOptions } from '../broker/index.js';
import { ConfigError } from './config.js';
import type { BrokerListenerConfig } from './schema.js';
import { loadServiceAccounts } from './service-accounts.js';

/**
 * The embedded broker's optional listeners, limits, Redis, service accounts and credential cache from
 * the configuration, as `loa broker` and `loa up` both pass them to createBroker. The PEM files and the
 * service accounts are read here, once, before anything listens; a missing one names its setting.
 */
export async function brokerListenerOptions(
  config: BrokerListenerConfig,
): Promise<
  Pick<BrokerOptions, 'tls' | 'ws' | 'redis' | 'limits' | 'serviceAccounts' | 'verifiedCredentials'>
> {
  return {
    ...(config.serviceAccounts !== undefined && {
      serviceAccounts: await loadServiceAccounts(config.serviceAccounts),
    }),
    ...(config.credentialCache !== undefined && { verifiedCredentials: config.credentialCache }),
    ...(config.tls !== undefined && { tls: await readTls(config.tls) }),
    ...(config.ws !== undefined && { ws: config.ws }),
    ...(config.redis !== undefined && { redis: config.redis }),
    ...(config.limits !== undefined && { limits: stripUndefined(config.limits) }),
  };
}

async function readTls(tls: NonNullable<BrokerListenerConfig['tls']>): Promise<TlsListenerOptions> {
  const read = async (what: string, file: string) => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new ConfigError(`tls.${what}: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  return {
    port: tls.port,
    key: await read('key', tls.key),
    cert: await read('cert', tls.cert),
    ...(tls.ca !== undefined && { ca: await read('ca', tls.ca) }),
    requireClientCert: tls.requireClientCert,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
