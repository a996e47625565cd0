// Pins what broker/aedes-adapter.ts reads from the installed aedes beyond its typings: a bare aedes (no
// Loa hooks) on port 0 with real mqtt.js clients. A failure here after an aedes upgrade means the
// adapter must follow aedes, not that the broker is broken.
import type { Aedes, Client, PublishPacket } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startBareAedes, type BareAedes } from '../test/bare-aedes.js';
import { eventually } from '../test/wait.js';
import { closedByClient, liveClient, remoteAddress, willClientId } from './aedes-adapter.js';

let bare: BareAedes;
let aedes: Aedes;
let url: string;
const clients: MqttClient[] = [];
/** Each client's aedes object as it disconnected (this test's aedes only). */
let ended: Client[];

beforeEach(async () => {
  bare = await startBareAedes();
  ({ aedes, url } = bare);
  const mine: Client[] = [];
  ended = mine;
  aedes.on('clientDisconnect', (client) => mine.push(client));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await bare.close();
});

async function connect(clientId: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, ...options });
  clients.push(client);
  return client;
}

it('finds a live client by its id (aedes.clients), and no longer once it is gone', async () => {
  const device = await connect('dev-1');
  const live = liveClient(aedes, 'dev-1');
  expect(live?.id).toBe('dev-1');
  expect(live?.closed).toBe(false);
  expect(liveClient(aedes, 'nobody')).toBeUndefined();
  await device.endAsync();
  await eventually(() => {
    expect(liveClient(aedes, 'dev-1')).toBeUndefined();
  });
});

it('tells a DISCONNECT packet (client._disconnected) from a lost link', async () => {
  const polite = await connect('polite');
  const dropped = await connect('dropped');
  await polite.endAsync();
  dropped.stream.destroy();
  await eventually(() => {
    expect(ended.map((c) => c.id).sort()).toEqual(['dropped', 'polite']);
  });
  const byId = new Map(ended.map((c) => [c.id, c]));
  expect(closedByClient(byId.get('polite') as Client)).toBe(true);
  expect(closedByClient(byId.get('dropped') as Client)).toBe(false);
});

it('reads the client id aedes-persistence stamps on a stored Will (a Will released without its client)', async () => {
  await connect('with-will', {
    will: { topic: 'w/with-will', payload: Buffer.from('gone'), qos: 1, retain: false },
  });
  // The persistence aedes was created with (its typings leave it out of the instance).
  const { persistence } = aedes as unknown as {
    persistence: { getWill(client: { id: string }): Promise<PublishPacket | undefined> };
  };
  const stored = await eventually(async () => {
    const will = await persistence.getWill({ id: 'with-will' });
    expect(will).toBeDefined();
    return will as PublishPacket;
  });
  expect(stored.topic).toBe('w/with-will');
  expect(willClientId(stored)).toBe('with-will');
});

it("reads the peer address from the client's socket", async () => {
  await connect('addressed');
  expect(remoteAddress(liveClient(aedes, 'addressed') as Client)).toBe('127.0.0.1');
});
