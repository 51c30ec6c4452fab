import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { Aedes } from 'aedes';
import { BUFFER_MAILBOX } from '../../core/api.js';
import { nodeMqttConnector } from '../../bridge/mqtt/connector.js';
import { connectorContext, inRoute, nodeTestAdapter, outRoute, waitFor } from './helpers.js';

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl. */
function makePki(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=aimdb-test-ca');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', name + '.key', '-out', name + '.csr', '-subj', '/CN=' + name);
    ssl('x509', '-req', '-in', name + '.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', name + '.pem', '-days', '1', '-extfile', 'san.ext');
  }
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  return { ca: read('ca.pem'), serverKey: read('server.key'), serverCert: read('server.pem'), clientKey: read('client.key'), clientCert: read('client.pem') };
}

describe('bridge/mqtt over mqtts:// (TLS with CA and client certificate)', function () {
  this.timeout(20000);
  let dir: string;
  let pki: ReturnType<typeof makePki>;
  let aedes: Aedes;
  let server: tls.Server;
  let port: number;
  const stops: Array<() => void> = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-tls-'));
    pki = makePki(dir);
    aedes = await Aedes.createBroker();
    server = tls.createServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, aedes.handle);
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    port = (server.address() as { port: number }).port;
  });
  afterEach(() => {
    for (const s of stops.splice(0)) s();
  });
  after(async () => {
    await new Promise<void>((res) => server.close(() => res()));
    await new Promise<void>((res) => aedes.close(() => res()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the CA and a client certificate and moves messages both ways', async () => {
    const out = outRoute('k.out', 'mqtt://tls/cmd', BUFFER_MAILBOX);
    const inn = inRoute('k.in', 'mqtt://tls/+', BUFFER_MAILBOX);
    const c = nodeMqttConnector({ url: 'mqtts://127.0.0.1:' + port, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, reconnectMinMs: 100 });
    const { ctx, timers } = connectorContext(nodeTestAdapter(), 'tls-node', [out], [inn]);
    c.start(ctx);
    stops.push(() => {
      c.stop();
      timers.cancelAll();
    });
    await c.ready(5000);
    await waitFor(() => {
      out.send!('ping', 'ping', 1);
      return inn.got.length > 0;
    }, 5000, 'loopback through the TLS broker');
    expect(inn.got[0]).to.deep.equal({ topic: 'tls/cmd', text: 'ping' });
  });

  it('refuses a broker whose certificate the CA did not sign (no connection, errors counted)', async () => {
    const lines: string[] = [];
    const c = nodeMqttConnector({ url: 'mqtts://127.0.0.1:' + port, cert: pki.clientCert, key: pki.clientKey, reconnectMinMs: 100 });
    const { ctx, timers } = connectorContext(nodeTestAdapter(lines), 'tls-bad', [], []);
    c.start(ctx);
    stops.push(() => {
      c.stop();
      timers.cancelAll();
    });
    await waitFor(() => c.stats.errors > 0, 5000, 'a TLS error');
    expect(c.connected).to.equal(false);
    expect(lines.some((l) => /certificate/i.test(l))).to.equal(true);
  });
});
