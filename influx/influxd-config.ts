// The configuration file for a private influxd 1.x: everything under one data folder, every listener on
// an address we chose, nothing reaching out to the network, and quiet logs. Keys are those of the 1.6
// sample configuration (`influxdb.conf` shipped with the Debian package); unknown sections are ignored
// by influxd, which keeps the file usable with other 1.x releases.
import path from 'node:path';

export interface InfluxdConfigOptions {
  dataDir: string;
  host: string;
  httpPort: number;
  /** Port of the backup/restore RPC service; its default 8088 would clash between two servers. */
  rpcPort: number;
  /** `[http] auth-enabled`: every request but /ping needs a user (InfluxDB 1.x authentication). */
  authEnabled?: boolean;
}

/** TOML basic string; JSON's escapes (`\"`, `\\`, `\uXXXX`) are all valid TOML. */
function str(s: string): string {
  return JSON.stringify(s);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The text of the config file for the given folder and ports. */
export function renderInfluxdConfig(o: InfluxdConfigOptions): string {
  const dir = path.resolve(o.dataDir);
  return `# Written by loa for a private InfluxDB 1.x server; rewritten on every start.
# Usage statistics are never sent to influxdata.com.
reporting-enabled = false
# Backup/restore RPC service: on our own port instead of the shared default 8088.
bind-address = ${str(hostPort(o.host, o.rpcPort))}

[meta]
  dir = ${str(path.join(dir, 'meta'))}
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = ${str(path.join(dir, 'data'))}
  wal-dir = ${str(path.join(dir, 'wal'))}
  # 0s: fsync the WAL on every write, so an acknowledged batch survives a crash of the machine.
  wal-fsync-delay = "0s"
  # After a crash (or a SIGKILL) influxd replays its whole WAL into memory before it answers: about 1 s
  # per 4 MB on a loaded 2-core machine. Its cache is written out to TSM files (and the WAL dropped) at
  # 8 MB per shard or after 1 min without writes instead of 25 MB or 10 min, so that replay stays short.
  cache-snapshot-memory-size = "8m"
  cache-snapshot-write-cold-duration = "1m"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  # How long a write may wait on the storage engine before the client gets a (retryable) timeout.
  write-timeout = "10s"
  query-timeout = "0s"
  log-queries-after = "0s"

[retention]
  # Retention policies (raw heartbeats 30 days) must still be enforced; its log lines are info level,
  # which the [logging] level below hides.
  enabled = true
  check-interval = "30m"

[shard-precreation]
  enabled = true

[monitor]
  # No _internal database: it writes every 10 s and would add series and disk churn to every test.
  store-enabled = false

[admin]
  # The web admin UI was removed in 1.3; older releases would otherwise listen on 8083.
  enabled = false

[http]
  enabled = true
  bind-address = ${str(hostPort(o.host, o.httpPort))}
  # With authentication on, the first admin user is created over HTTP without credentials, then
  # every request but /ping needs a user (docs/architecture.md, "Private InfluxDB").
  auth-enabled = ${o.authEnabled === true}
  log-enabled = false
  suppress-write-log = true
  write-tracing = false
  pprof-enabled = false
  https-enabled = false
  unix-socket-enabled = false
  # A 5,000-point batch is ~1.5 MB uncompressed; 100 MB leaves room for far bigger ones.
  max-body-size = 104857600
  max-row-limit = 0
  max-connection-limit = 0
  max-concurrent-write-limit = 0
  max-enqueued-write-limit = 0

[ifql]
  # 1.6 starts this RPC service by default on :8082, which would clash between two servers.
  enabled = false

[logging]
  format = "logfmt"
  level = "warn"
  suppress-logo = true

[subscriber]
  enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false

[continuous_queries]
  # Downsampling (hourly roll-ups) runs as continuous queries.
  enabled = true
  log-enabled = false
  run-interval = "1s"
`;
}
