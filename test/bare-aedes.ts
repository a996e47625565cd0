// A bare aedes (no Loa hooks) on a free loopback port: the baseline of benchmarks, a permissive external
// broker in tests, and the aedes the adapter test pins Loa's reads against.
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

export interface BareAedes {
  aedes: Aedes;
  url: string;
  /** Closes aedes (and its clients), then the listener. */
  close(): Promise<void>;
}

export async function startBareAedes(): Promise<BareAedes> {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    aedes,
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => {
        aedes.close(() => {
          resolve();
        });
      });
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
