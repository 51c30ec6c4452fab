/**
 * `make image` (tools/flash.mjs --image): upload-ready output written by the espruino CLI offline,
 * with the budget shown first. Needs no device.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from './helpers.js';

function flashTool(args: string[]): { out: string; status: number | null } {
  const r = spawnSync(process.execPath, [join(ROOT, 'tools/flash.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { out: r.stdout + r.stderr, status: r.status };
}

describe('make image / tools/flash.mjs', function () {
  this.timeout(300_000);
  before(() => ensureBuilt());

  it('writes the upload file and a hex image for the Pico, after showing the budget', () => {
    rmSync(join(ROOT, 'dist/image/smoke.pico.hex'), { force: true });
    const r = flashTool(['--board', 'pico', '--app', 'smoke', '--image']);
    expect(r.status, r.out).to.equal(0);
    expect(r.out).to.match(/\[2\/4\] budget on Espruino Pico/);
    expect(r.out).to.match(/bytes +\d+ of 49152/);
    expect(r.out).to.match(/memory +\d+ JsVars estimated of 4080 budget, 5100 on the board/);
    expect(r.out).to.include('--board boards/pico/PICO_R1_3.json');
    expect(r.out.indexOf('budget on')).to.be.lessThan(r.out.indexOf('espruino --board'));
    // Pretokenised for the Pico's flash (tools/upload.mjs): the size the budget checked.
    const upload = readFileSync(join(ROOT, 'dist/image/smoke.pico.upload.js'));
    const report = JSON.parse(readFileSync(join(ROOT, 'dist/smoke.pico.json'), 'utf8'));
    expect(upload.length).to.equal(report.uploadBytes);
    expect(upload.length).to.be.lessThan(report.bytes);
    expect(r.out).to.match(/pretokenised from \d+/);
    const hex = readFileSync(join(ROOT, 'dist/image/smoke.pico.hex'), 'utf8');
    expect(hex.split(/\r?\n/)[0]).to.match(/^:[0-9A-F]+$/);
  });

  it('writes no hex for the ESP32 (its flash is not written from a hex file)', () => {
    rmSync(join(ROOT, 'dist/image/smoke.esp32.hex'), { force: true });
    const r = flashTool(['--board', 'esp32', '--app', 'smoke', '--image']);
    expect(r.status, r.out).to.equal(0);
    expect(readFileSync(join(ROOT, 'dist/image/smoke.esp32.upload.js'), 'utf8').trim()).to.equal(readFileSync(join(ROOT, 'dist/smoke.esp32.js'), 'utf8').trim());
    expect(existsSync(join(ROOT, 'dist/image/smoke.esp32.hex'))).to.equal(false);
  });

  it('flashes a RAM board with save() and a flash board with SAVE_ON_SEND=1 and PRETOKENISE=1 (dry run)', () => {
    const esp32 = flashTool(['--board', 'esp32', '--app', 'smoke', '--port', '/dev/ttyUSB0', '--dry-run']);
    expect(esp32.status, esp32.out).to.equal(0);
    expect(esp32.out).to.include('espruino --board boards/esp32/ESP32.json -p /dev/ttyUSB0 dist/smoke.esp32.js -e save()');
    const pico = flashTool(['--board', 'pico', '--app', 'smoke', '--port', '/dev/ttyACM0', '--dry-run']);
    expect(pico.out).to.include('espruino --board boards/pico/PICO_R1_3.json --config SAVE_ON_SEND=1 --config PRETOKENISE=1 -p /dev/ttyACM0 dist/smoke.pico.js');
    expect(pico.out).to.not.include('save()');
  });

  it('refuses to flash without a PORT and says how', () => {
    const r = flashTool(['--board', 'pico', '--app', 'smoke', '--port', '']);
    expect(r.status).to.equal(1);
    expect(r.out).to.match(/PORT is required to flash/);
  });

  it('refuses a board the app does not declare', () => {
    const r = flashTool(['--board', 'esp8266', '--app', 'smoke', '--image']);
    expect(r.status).to.equal(1);
    expect(r.out).to.match(/does not declare board "esp8266"/);
  });

  it('names the problem of an unknown board', () => {
    const r = flashTool(['--board', 'nope', '--app', 'smoke', '--image']);
    expect(r.status).to.equal(1);
    expect(r.out).to.match(/invalid board file .*nope\/board\.json/);
  });
});
