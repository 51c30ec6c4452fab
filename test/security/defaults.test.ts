/**
 * Safe defaults: browsers from other sites cannot use the WebSocket endpoints, the dashboard answers
 * only its own host names and cannot be framed, its data needs the token, and a configuration that
 * would open the network without a token (or is absurdly large) is refused at start.
 */
import { expect } from 'chai';
import http from 'node:http';
import { WebSocket } from 'ws';
import { recordAttack, startGateway, stopAll } from './harness.js';

const TOKEN = 'sec-token-defaults-c0de';

/** Opens a WebSocket with the given Origin; resolves 'open' or the refusal. */
function wsWithOrigin(url: string, origin?: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve('http ' + res.statusCode);
      ws.terminate();
    });
    ws.once('error', (e) => resolve('error ' + e.message));
  });
}

/** GET with a chosen Host header. */
function get(url: string, headers: { [k: string]: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

const refused = (p: Promise<unknown>) => p.then(() => 'started', (e: Error) => e.message);

describe('security: safe defaults', function () {
  this.timeout(60000);
  afterEach(stopAll);

  it('8. Origin allowlist on WebSocket endpoints; the dashboard checks Host, sends CSP and frame-ancestors, and wants the token for its data', async () => {
    const g = await startGateway({
      node_id: 'edge-d',
      embedded_broker: { port: 0 },
      remote: { ws: '127.0.0.1:0', token: TOKEN, allowed_origins: ['http://panel.example:8080'] },
      dashboard: { port: 0 },
      log: { level: 'info' },
    });
    const ws = g.endpoints.aimx[0] + '?v=3.0';
    const dash = g.endpoints.dashboard!;
    const dashWs = dash.replace(/^http/, 'ws') + 'aimx';
    const origin = {
      remoteEvil: await wsWithOrigin(ws, 'http://evil.example'),
      remoteNone: await wsWithOrigin(ws),
      remoteListed: await wsWithOrigin(ws, 'http://panel.example:8080'),
      dashEvil: await wsWithOrigin(dashWs, 'http://evil.example'),
    };
    const rebound = await get(dash, { host: 'rebind.evil.example' });
    const page = await get(dash);
    const statusNoToken = await get(dash + 'api/status');
    const metricsNoToken = await get(dash + 'metrics');
    const statusToken = await get(dash + 'api/status', { authorization: 'Bearer ' + TOKEN });
    const metricsToken = await get(dash + 'metrics', { authorization: 'Bearer ' + TOKEN });
    expect(origin).to.deep.equal({ remoteEvil: 'http 403', remoteNone: 'open', remoteListed: 'open', dashEvil: 'http 403' });
    expect(rebound.status).to.equal(421);
    expect(page.status).to.equal(200);
    expect(page.headers['content-security-policy']).to.contain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).to.equal('DENY');
    expect([statusNoToken.status, metricsNoToken.status, statusToken.status, metricsToken.status]).to.deep.equal([401, 401, 200, 200]);
    recordAttack('defaults-http', {
      item: 8,
      title: 'Cross-site WebSocket, DNS rebinding, framing, unauthenticated data',
      attack: 'WebSocket upgrades with Origin http://evil.example (remote.ws and the dashboard), a request with Host rebind.evil.example, /api/status and /metrics without the token',
      outcome: `remote.ws: ${origin.remoteEvil} (no Origin: ${origin.remoteNone}, listed origin: ${origin.remoteListed}); dashboard WebSocket: ${origin.dashEvil}; rebound Host: ${rebound.status}; page CSP "${page.headers['content-security-policy']}"; /api/status and /metrics without token ${statusNoToken.status}/${metricsNoToken.status}, with ${statusToken.status}/${metricsToken.status}`,
    });
  });

  it('8. refuses a network endpoint without a token unless insecure: true, a "null" token, and an oversized config', async () => {
    const open = { node_id: 'edge-d', embedded_broker: { port: 0 }, remote: { tcp: '0.0.0.0:0' }, log: { level: 'info' } };
    const noToken = await refused(startGateway(open));
    const nullToken = await refused(startGateway({ ...open, remote: { tcp: '0.0.0.0:0', token: 'x' } }, { env: { AIMDB_REMOTE__TOKEN: 'null' } }));
    const jsonNull = await refused(startGateway({ ...open, remote: { tcp: '0.0.0.0:0', token: null } }));
    const big = { ...open, remote: { tcp: '127.0.0.1:0' }, devices: Array.from({ length: 40000 }, (_, i) => ({ name: 'd' + i, transport: 'tcp://127.0.0.1:1' })) };
    const t0 = Date.now();
    const oversized = await refused(startGateway(big));
    const oversizedMs = Date.now() - t0;
    const insecure = await startGateway({ ...open, remote: { tcp: '0.0.0.0:0', insecure: true } });
    const warned = insecure.log.some((l) => l.includes('without a token'));
    await insecure.stop();
    expect(noToken).to.match(/without a token/);
    expect(nullToken).to.match(/reads as "no token"/);
    expect(jsonNull).to.match(/remote\.token/);
    expect(oversized).to.match(/more than a configuration needs/);
    expect(warned).to.equal(true);
    recordAttack('defaults-config', {
      item: 8,
      title: 'Configurations that would open the gateway',
      attack: `remote.tcp on 0.0.0.0 without a token; AIMDB_REMOTE__TOKEN=null; token: null; a ${Math.round(JSON.stringify(big).length / 1048576)} MB config of 40,000 devices`,
      outcome: `all refused at start (exit 2; "${/remote\.token: ([^|]*)/.exec(noToken)?.[1]?.trim() ?? noToken}"; "${/remote\.token: ([^|]*)/.exec(nullToken)?.[1]?.trim() ?? nullToken}"); the oversized file in ${oversizedMs} ms (process start included); with insecure: true it runs and logs a warning`,
    });
  });
});
