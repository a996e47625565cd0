import type { Client } from 'aedes';
import type { Inventory } from '../protocol/index.js';
import type { Principal } from './acl.js';

/**
 * The device sessions a new inventory no longer vouches for (issue #3, point 5): the device removed,
 * made unmonitored, moved to another province or commune, or given a new secret. Devices still in it,
 * unchanged, keep their sessions; service accounts are not the inventory's.
 */
export function staleDeviceSessions(
  clients: Iterable<Client>,
  principalOf: (client: Client) => Principal | undefined,
  previous: Inventory,
  next: Inventory,
): { client: Client; device: string }[] {
  const stale: { client: Client; device: string }[] = [];
  for (const client of clients) {
    const principal = principalOf(client);
    if (principal?.kind !== 'device') continue;
    const id = principal.address.device;
    const device = next.device(id);
    const same =
      device?.monitored === true &&
      device.province === principal.address.province &&
      device.commune === principal.address.commune &&
      device.secretHash === previous.device(id)?.secretHash;
    if (!same) stale.push({ client, device: id });
  }
  return stale;
}
