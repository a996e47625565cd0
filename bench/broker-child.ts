// A broker in its own process for `bench/broker.ts`: `loa` = the embedded broker with authentication
// and access rules (as `loa broker` runs it), `bare` = aedes with no hooks, the baseline. Prints
// `port N` once listening.
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { createBroker } from '../broker/index.js';
import { loadInventory } from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';

const [mode, inventoryDir] = process.argv.slice(2);
if (mode === 'loa') {
  const broker = createBroker({
    inventory: await loadInventory(inventoryDir ?? ''),
    port: 0,
    logger: silentLogger(),
    // A few clients at thousands of messages a second each: the per-device rate limit would refuse them.
    limits: { publishPerSecond: 0 },
  });
  const { url } = await broker.start();
  process.stdout.write(`port ${new URL(url).port}\n`);
} else {
  const aedes = await Aedes.createBroker();
  const server = createServer((socket) => aedes.handle(socket));
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
  });
}
