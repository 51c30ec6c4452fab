/** `aimdb record query KEY --since 10m --limit N` run as a child process against a gateway with history. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { device, Pos, simulatedLine, waitFor } from '../gateway/support.js';

const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'aimdb.mjs');

function aimdb(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: '/', timeout: 20000, env: { ...process.env, AIMDB_CONNECT: '', AIMDB_TOKEN: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('aimdb record query (child process)', function () {
  this.timeout(60000);
  let dir: string;
  let dev: ReturnType<typeof device>;
  let gw: Gateway;
  let url: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-cliq-'));
    dev = device();
    const line = simulatedLine(dev.db);
    gw = new Gateway(
      checkConfig({
        node_id: 'edge-q',
        embedded_broker: { port: 0 },
        devices: [{ name: 'pico', transport: 'sim://pico' }],
        remote: { tcp: '127.0.0.1:0' },
        history: { path: path.join(dir, 'h.db'), records: ['pico.actuator.position'], flush_ms: 20 },
        log: { level: 'error' },
      }),
      { simulators: { pico: line.open }, onLog: () => {} },
    );
    await gw.start();
    await gw.ready();
    url = gw.endpoints().aimx[0];
    for (let i = 1; i <= 4; i++) dev.db.set(Pos, { mm: i * 11 });
    await waitFor(() => gw.history!.stats.stored >= 4, 5000, 'stored');
  });

  after(async () => {
    await gw.stop();
    dev.db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the newest values of a record, oldest first, with their time', async function () {
    const r = await aimdb(['--connect', url, 'record', 'query', 'pico.actuator.position', '--since', '10m', '--limit', '3']);
    // A server without the record.query dispatch answers not_found for the method.
    if (r.code !== 0 && /not_found|NOT_FOUND|not found/i.test(r.stderr)) return this.skip();
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^TIME\s+RECORD\s+VALUE$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(1).join(' '))).to.deep.equal(['pico.actuator.position {"mm":22}', 'pico.actuator.position {"mm":33}', 'pico.actuator.position {"mm":44}']);
    expect(lines[1]).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect(r.stderr).to.match(/3 value\(s\)/);
    const j = await aimdb(['--connect', url, '--json', 'record', 'query', 'pico.#', '--limit', '1']);
    expect(JSON.parse(j.stdout)).to.deep.include({ total: 1 });
    // --since in the future of the data: nothing.
    const none = await aimdb(['--connect', url, 'record', 'query', 'pico.actuator.position', '--since', '1ms']);
    expect(none.code).to.equal(0);
    expect(none.stderr).to.match(/0 value\(s\)/);
  });

  it('rejects a malformed --since or --limit before connecting', async () => {
    for (const args of [['--since', 'yesterday'], ['--since', '-5m'], ['--limit', '0'], ['--limit', '2.5']]) {
      const r = await aimdb(['--connect', 'tcp://127.0.0.1:1', 'record', 'query', 'pico.#', ...args]);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr).to.match(/--since|--limit/);
    }
  });
});
