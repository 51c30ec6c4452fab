/**
 * The example apps' real bundles on the simulated Espruino boards: the Pico actuator answers AimX
 * over COBS on its UART (the gateway's side is the core's AimX client), the climate sensor samples
 * into its compact rings and persists its configuration.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootBundle, EspruinoSim } from '../../bridge/sim/espruino-sim.js';
import { AimxClient, aimxClientLink } from '../../core/aimx/index.js';
import { ensureBuilt, ROOT } from './helpers.js';

function gateway(sim: EspruinoSim): { client: AimxClient; call(method: string, params: unknown): Promise<any> } {
  const client = new AimxClient(() => undefined);
  const link = aimxClientLink(client);
  const uart = sim.uart('Serial1');
  uart.onData((b) => link.onData(b));
  link.attach({ write: (c) => uart.write(typeof c === 'string' ? c : Buffer.from(Array.from(c))), close: () => undefined });
  return {
    client,
    call(method: string, params: unknown) {
      return new Promise((resolve, reject) => {
        client.call(method, params, (err, result) => (err ? reject(err) : resolve(result)));
        for (let i = 0; i < 20; i++) sim.advance(1);
      });
    },
  };
}

describe('example apps on the simulated boards', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());

  describe('pico-actuator on pico', () => {
    it('serves AimX on Serial1 at 115200 and switches the valve on a remote Mailbox command', async () => {
      const sim = bootBundle(readFileSync(join(ROOT, 'dist/pico-actuator.pico.js'), 'utf8'), { jsVars: 5100 });
      expect(sim.lines).to.deep.equal(['pico-actuator serving AimX on Serial1']);
      expect(sim.uart('Serial1').baud).to.equal(115200);
      // The REPL must not fall back onto the link when USB is unplugged.
      expect(sim.consoleDevice).to.equal('USB (forced)');
      const gw = gateway(sim);
      const hello = await gw.call('hello', { version: '3.0', client: 'test' });
      expect(hello.server).to.equal('aimdb-js-pico');
      const rows: any[] = await gw.call('record.list', {});
      expect(rows.map((r) => [r.record_key, r.buffer_type, r.writable])).to.deep.equal([
        ['actuator.valve.cmd', 'mailbox', true],
        ['actuator.valve.state', 'single_latest', false],
        ['actuator.led.cmd', 'mailbox', true],
        ['actuator.uptime', 'single_latest', false],
      ]);
      await gw.call('record.set', { name: 'actuator.valve.cmd', value: { id: 7, open: true } });
      sim.advance(10);
      expect(sim.pins.LED2).to.equal(true);
      await gw.call('record.set', { name: 'actuator.led.cmd', value: { on: true } });
      sim.advance(10);
      expect(sim.pins.LED1).to.equal(true);
      const state = await gw.call('record.get', { name: 'actuator.valve.state' });
      expect(state.open).to.equal(true);
      expect(state.cmd).to.equal(7);
      sim.advance(5000);
      expect((await gw.call('record.get', { name: 'actuator.uptime' })).s).to.equal(5);
      const denied = await gw.call('record.set', { name: 'actuator.valve.state', value: { open: false, cmd: 0, at: 0 } }).catch((e) => e.code);
      expect(denied).to.equal('DENIED');
      sim.kill();
      sim.dispose();
    });
  });

  describe('climate-sensor on esp32', () => {
    it('boots online, brings Wi-Fi up and persists its default configuration to Storage', () => {
      const sim = bootBundle(readFileSync(join(ROOT, 'dist/climate-sensor.esp32.js'), 'utf8'), { jsVars: 16383, wifi: { connectMs: 50 } });
      expect(sim.lines[0]).to.equal('climate-sensor online on espruino');
      sim.advance(31_000);
      expect(sim.lines).to.include('wifi 127.0.0.1');
      sim.advance(10_000);
      expect(sim.storageContents()).to.deep.equal({ 'aimdb.latest': '{"climate.config":{"intervalMs":10000,"tempOffset":0}}' });
      sim.kill();
      sim.dispose();
    });
  });
});
