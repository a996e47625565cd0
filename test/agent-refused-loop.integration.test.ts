// Issue #14, point 4: Loa's own agent must not loop on what the platform refuses. Under its own prefix
// nothing it sends is refused any more (test/broker-poison-topic.integration.test.ts); what is still
// refused by closing the connection (here: the device configured under another commune, `wrong_place`)
// must make it back off, not reconnect at the shortest delay for ever as the vendor's client of the
// issue did (14 connects in 14 s). mqtt.js resends the unacknowledged message with the CONNECT, the
// broker closes before its CONNACK is read, so the attempt counts as failed and the delay grows.
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { createBroker, type Broker } from '../broker/index.js';
import { createAgent, type Agent } from '../devices/index.js';
import { silentLogger } from '../runtime/index.js';
import { SECRETS, testInventory } from './fixtures/province.js';

let broker: Broker | undefined;
let agent: Agent | undefined;

afterEach(async () => {
  await agent?.stop();
  await broker?.stop();
});

it('backs off from a broker that closes the connection before acknowledging anything', async () => {
  broker = createBroker({ inventory: await testInventory(), port: 0, logger: silentLogger() });
  const { url } = await broker.start();
  agent = createAgent({
    brokerUrl: url,
    deviceId: 'vinh-an-c01',
    secret: SECRETS['vinh-an-c01'],
    province: 'an-giang',
    commune: 'tan-lap', // wrong: the inventory has it in vinh-an
    kind: 'cluster',
    hamlets: ['an-hoa'],
    heartbeatS: 1,
    reconnect: { minMs: 20, maxMs: 5000 },
    logger: pino({ level: 'silent' }),
  });
  void agent.start();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { connectionsTotal, publishesRefused } = broker.metrics();
  expect(publishesRefused.wrong_place).toBeGreaterThan(0);
  // Growing delays from 20 ms: a handful of connections in 1.5 s, not one every 20 ms (~40 or more).
  expect(connectionsTotal).toBeLessThanOrEqual(15);
});
