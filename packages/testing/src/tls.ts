import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** The CA certificate (PEM) to trust. */
  ca: string;
  /** Its file, for `NODE_EXTRA_CA_CERTS` of a process under test. */
  caFile: string;
  /** A server certificate for 127.0.0.1 and localhost, and its key (PEM). */
  cert: string;
  key: string;
  /** Deletes the files. */
  remove(): void;
}

/**
 * A throwaway CA (valid two days) and a leaf for 127.0.0.1 / localhost signed by it, made with
 * the `openssl` CLI (which must be on PATH) in a fresh temporary directory.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'authcore-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = ['-subj', '/CN=authcore test CA', '-addext', 'basicConstraints=critical,CA:TRUE'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    ...ca,
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl(
    'req',
    ...ec,
    '-keyout',
    file('leaf.key'),
    '-out',
    file('leaf.csr'),
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(
    file('leaf.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    file('leaf.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('leaf.pem'),
    '-days',
    '2',
    '-extfile',
    file('leaf.ext'),
  );
  return {
    ca: readFileSync(file('ca.pem'), 'utf8'),
    caFile: file('ca.pem'),
    cert: readFileSync(file('leaf.pem'), 'utf8'),
    key: readFileSync(file('leaf.key'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An https server on 127.0.0.1 with a certificate from its own test CA. */
export interface HttpsTestServer {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** The CA to trust (`ca` of a TLS client, or `caFile` for `NODE_EXTRA_CA_CERTS`). */
  certificates: TestCertificates;
  /** Closes the server and its connections, and deletes the certificates. */
  close(): Promise<void>;
}

/** Serves `listener` over https on 127.0.0.1 (a free port), with fresh test certificates. */
export async function startHttpsServer(listener: RequestListener): Promise<HttpsTestServer> {
  const certificates = makeTestCertificates();
  const server = createServer({ cert: certificates.cert, key: certificates.key }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    certificates,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          certificates.remove();
          resolve();
        });
      }),
  };
}
