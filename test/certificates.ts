// Test support: a private certificate authority made with the `openssl` command line (Debian's openssl),
// issuing a server certificate for 127.0.0.1 and client certificates whose CN is a device id.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestCa {
  caFile: string;
  ca: Buffer;
  /** A server certificate valid for 127.0.0.1. */
  server(): Promise<IssuedCertificate>;
  /** A client certificate with this CN (a device id or a service account name). */
  client(cn: string): Promise<IssuedCertificate>;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A new CA in `dir` (created if missing); every file it issues lands there too. */
export async function createTestCa(dir: string, name = 'loa-test-ca'): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', `/CN=${name}`);
  const ca = await readFile(join(dir, 'ca.crt'));

  async function issue(file: string, cn: string, extensions?: string): Promise<IssuedCertificate> {
    openssl('req', ...EC, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${file}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${file}.crt`,
      '-days',
      '1',
      ...(extensions ? ['-extfile', extensions] : []),
    );
    const certFile = join(dir, `${file}.crt`);
    const keyFile = join(dir, `${file}.key`);
    return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
  }

  return {
    caFile: join(dir, 'ca.crt'),
    ca,
    async server() {
      await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
      return issue('server', '127.0.0.1', 'server.ext');
    },
    client: (cn) => issue(`client-${cn}`, cn),
  };
}
