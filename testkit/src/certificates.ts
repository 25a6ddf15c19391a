import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** The test CA (`ca.crt`), which signs everything below. */
  ca: string;
  /** `localhost` / 127.0.0.1 server certificate and key. */
  server: { cert: string; key: string };
  /** One client certificate per name given, with that name as its CN. */
  clients: Record<string, { cert: string; key: string }>;
}

/**
 * A throwaway CA with a server certificate for loopback and client certificates (CN = each name),
 * made with the openssl command line, valid for a day.
 */
export function createTestCertificates(clientNames: readonly string[] = []): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Gridlink test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const issue = (name: string, cn: string, ext?: string) => {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${name}.crt`,
      ...(ext ? ['-extfile', ext] : []),
    );
    return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  };
  const server = issue('server', 'localhost', 'server.ext');
  const clients = Object.fromEntries(clientNames.map((name) => [name, issue(`client-${name}`, name)]));
  return { dir, ca: join(dir, 'ca.crt'), server, clients };
}
