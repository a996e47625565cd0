import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsRegistry, type Collector } from './metrics.js';

export interface Health {
  ok: boolean;
  [detail: string]: unknown;
}

/**
 * `/metrics` (Prometheus text) and `/healthz` (200 or 503 with a JSON body saying why) for the
 * long-running services (docs/design.md#commands).
 */
export function createOpsServer(options: {
  host: string;
  port: number;
  /** What `/metrics` shows besides the process's own memory and CPU. */
  collectors: readonly Collector[];
  health: () => Health;
}) {
  const metrics = new MetricsRegistry();
  for (const collect of options.collectors) metrics.register(collect);
  let server: Server | undefined;
  return {
    async start(): Promise<{ url: string }> {
      const srv = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (req.method !== 'GET') {
          res.writeHead(405).end();
        } else if (path === '/metrics') {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(metrics.render());
        } else if (path === '/healthz') {
          const health = options.health();
          res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify(health));
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics or /healthz\n');
        }
      });
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(options.port, options.host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      const { port } = srv.address() as AddressInfo;
      return { url: `http://${options.host}:${port}` };
    },
    async stop(): Promise<void> {
      const srv = server;
      server = undefined;
      if (!srv) return;
      srv.closeAllConnections();
      await new Promise<void>((resolve) =>
        srv.close(() => {
          resolve();
        }),
      );
    },
  };
}
