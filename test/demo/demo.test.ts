/**
 * The demo as users run it (`aimdb demo`), bounded by --duration and on OS-chosen ports: the real
 * bundles boot on simulated boards, the ESP32's readings reach the gateway over MQTT, the operator's
 * valve commands reach the Pico over the simulated UART and its state comes back, and everything
 * stops cleanly.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { startDemo } from '../../bridge/demo/demo.js';
import { connectAimx } from '../../bridge/aimx/index.js';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const ROOT = resolve(import.meta.dirname, '../..');

describe('demo', function () {
  this.timeout(60000);
  before(function () {
    this.timeout(600000);
    // `make test` builds first; a lone run builds what the demo needs.
    if (!['pico-actuator.pico.js', 'climate-sensor.esp32.js'].every((f) => existsSync(resolve(ROOT, 'dist', f)))) {
      execFileSync(resolve(ROOT, 'node_modules/.bin/rollup'), ['-c', '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 600000 });
    }
  });

  it('runs as `aimdb demo` and stops by itself', async () => {
    const out = await new Promise<string>((res, rej) =>
      execFile(
        process.execPath,
        ['bin/aimdb.mjs', 'demo', '--duration', '9000', '--mqtt-port', '0', '--aimx-port', '0', '--ws-port', '0', '--dashboard-port', '0', '--mqtt-ws-port', '0', '--twin-port', '0'],
        { cwd: ROOT, timeout: 45000 },
        (err, stdout, stderr) => (err ? rej(new Error(`${err.message}\n${stdout}\n${stderr}`)) : res(stdout)),
      ),
    );
    const lines = out.split('\n');
    expect(lines).to.include('  [pico] pico-actuator serving AimX on Serial1');
    expect(lines.some((l) => /^  MQTT broker   mqtt:\/\/127\.0\.0\.1:\d+/.test(l))).to.equal(true);
    expect(lines.some((l) => /esp32 \d+\.\d °C \d+\.\d %RH/.test(l)), 'ESP32 readings at the gateway').to.equal(true);
    expect(lines.some((l) => /pico valve OPEN \(cmd #1\)/.test(l)), 'valve command round trip').to.equal(true);
    expect(lines.some((l) => /link online/.test(l))).to.equal(true);
    expect(lines.slice(-3)).to.include('stopped');
  });

  it('serves the twins of both boards over AimX while it runs', async () => {
    const demo = await startDemo({ print: () => {}, mqttPort: 0, mqttWsPort: 0, twinPort: 0, aimxPort: 0, wsPort: 0, dashboardPort: 0, reportMs: 60000, commandMs: 60000 });
    try {
      // The Unix socket asks no token (its 0600 file mode is the credential); TCP would.
      const unix = demo.endpoints.aimx.find((u) => u.startsWith('unix://'))!;
      expect(unix).to.equal('unix://' + demo.unixSocket);
      const conn = await connectAimx(unix);
      const deadline = Date.now() + 8000;
      let keys: string[] = [];
      while (Date.now() < deadline) {
        keys = (await conn.listRecords()).map((r: { record_key: string }) => r.record_key);
        const temp = await conn.getRecord('esp32.climate.temp').catch(() => undefined);
        if (temp !== undefined) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(keys).to.include.members(['pico.$status', 'pico.actuator.valve.state', 'pico.actuator.valve.cmd.set', 'esp32.climate.temp', 'esp32.climate.cmd.set']);
      expect(await conn.getRecord('esp32.climate.temp')).to.have.keys(['t', 'v']);
      // A command written over AimX reaches the Pico and its state comes back.
      await conn.setRecord('pico.actuator.valve.cmd.set', { id: 77, open: true });
      const until = Date.now() + 5000;
      let state: { cmd?: number } | undefined;
      while (Date.now() < until && state?.cmd !== 77) {
        state = (await conn.getRecord('pico.actuator.valve.state').catch(() => undefined)) as { cmd?: number } | undefined;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(state).to.deep.include({ cmd: 77, open: true });
      await conn.close();
      // TCP asks for the demo's token in hello.
      const tcp = demo.endpoints.aimx[0];
      const refused = await connectAimx(tcp).then(
        (c) => c.close().then(() => 'connected'),
        (e: Error) => e.message,
      );
      expect(refused).to.match(/denied/);
      const withToken = await connectAimx(tcp, { token: demo.token });
      expect(withToken.welcome.authenticated).to.equal(true);
      await withToken.close();
      // The aimdb CLI against the running gateway.
      const cli = (...args: string[]) =>
        new Promise<string>((res, rej) =>
          execFile(process.execPath, ['bin/aimdb.mjs', '--connect', unix, ...args], { cwd: ROOT, timeout: 20000 }, (err, stdout, stderr) =>
            err ? rej(new Error(`${err.message}\n${stderr}`)) : res(stdout),
          ),
        );
      const rows = JSON.parse(await cli('--json', 'record', 'list')) as Array<{ record_key: string; buffer_type: string }>;
      expect(rows.find((r) => r.record_key === 'esp32.climate.temp')?.buffer_type).to.equal('spmc_ring');
      // `#`: every record below pico.actuator; the valve state (set above) comes first as a snapshot.
      const watched = await cli('watch', 'pico.actuator.#', '--count', '2');
      expect(watched, watched).to.match(/seq=1 pico\.actuator\.valve\.state \{.*"cmd":77.*\} \[snapshot\]/);
      expect(watched, watched).to.match(/seq=2 pico\.actuator\./);
      expect(await cli('graph', 'order')).to.contain('pico.actuator.valve.state');
      // `aimdb watch … | head -1`: watch keeps writing after head has gone; it must end quietly.
      // (Asynchronously: this process serves the gateway the CLI talks to.)
      const piped = await new Promise<{ status: number | null; stdout: string; stderr: string }>((res) =>
        execFile('bash', ['-c', `set -o pipefail; node bin/aimdb.mjs --connect ${unix} watch 'esp32.#' | head -1`], { cwd: ROOT, timeout: 20000 }, (err, stdout, stderr) =>
          res({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
        ),
      );
      expect(piped.stderr, piped.stderr).to.not.match(/EPIPE|Unhandled/);
      expect(piped.status, `${piped.stdout}\n${piped.stderr}`).to.equal(0);
    } finally {
      await demo.stop();
    }
  });
});
