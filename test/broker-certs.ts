// A throwaway certificate authority for the TLS tests (openssl, EC P-256, valid one day): the CA, a
// server certificate for 127.0.0.1, and device certificates whose CN is the device id.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TestPki {
  /** PEM of the CA, for clients to trust the server and for the broker to verify devices. */
  ca: Buffer;
  /** Path of `{name}.crt`, `{name}.key` (`ca`, `server`, and each device id). */
  file(name: string, ext: 'crt' | 'key'): string;
  cert(name: string): Promise<Buffer>;
  key(name: string): Promise<Buffer>;
}

/** Writes the CA, `server` and one certificate per device id (CN = the id) into `dir`. */
export async function createTestPki(dir: string, devices: readonly string[]): Promise<TestPki> {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=loa-test-ca',
  );
  const issue = (name: string, subject: string, extensions?: string) => {
    openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'],
      ...['-out', `${name}.crt`, '-days', '1'],
      ...(extensions ? ['-extfile', extensions] : []),
    );
  };
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  issue('server', '/CN=127.0.0.1', 'server.ext');
  for (const device of devices) issue(device, `/CN=${device}`);
  const file = (name: string, ext: 'crt' | 'key') => join(dir, `${name}.${ext}`);
  return {
    ca: await readFile(file('ca', 'crt')),
    file,
    cert: (name) => readFile(file(name, 'crt')),
    key: (name) => readFile(file(name, 'key')),
  };
}
