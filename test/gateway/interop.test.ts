/**
 * The gateway against a real mosquitto (`mosquitto_sub` reads what it bridges), with garbage on the
 * serial line, and with a device that disappears and comes back.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import type { MessageConn } from '../../bridge/aimx/index.js';
import { startMosquitto, type TestBroker } from '../mqtt/helpers.js';
import { Pos, St, device, simulatedLine, waitFor } from './support.js';

describe('gateway interoperability and faults', function () {
  this.timeout(30000);

  describe('with mosquitto as the upstream broker', () => {
    let mosq: TestBroker;
    let gw: Gateway;
    let dev: ReturnType<typeof device>;
    let sub: ChildProcess | undefined;

    before(async () => {
      mosq = await startMosquitto();
      dev = device();
      const line = simulatedLine(dev.db);
      gw = new Gateway(checkConfig({ node_id: 'edge-m', broker: { url: mosq.url }, devices: [{ name: 'pico', transport: 'sim://pico' }], log: { level: 'error' } }), {
        simulators: { pico: line.open },
        onLog: () => {},
      });
      await gw.start();
      await gw.ready();
    });

    after(async () => {
      sub?.kill();
      await gw.stop();
      dev.db.stop();
      await mosq.stop();
    });

    it('is read by mosquitto_sub: retained state, status, and ring values in order', async () => {
      dev.db.set(St, { open: true });
      await new Promise((r) => setTimeout(r, 300));
      const lines: string[] = [];
      sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(mosq.port), '-t', 'aimdb/#', '-v', '-N', '-W', '20'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      sub.stdout!.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        // -N: no newline after a payload; each message starts with its topic.
        lines.splice(0, lines.length, ...buf.split(/(?=aimdb\/)/));
      });
      await waitFor(() => lines.some((l) => l.startsWith('aimdb/pico/actuator/state ')), 5000, 'retained state at mosquitto_sub');
      for (let i = 1; i <= 3; i++) dev.db.set(Pos, { mm: i });
      await waitFor(() => lines.filter((l) => l.startsWith('aimdb/pico/actuator/position ')).length === 3, 5000, 'ring values at mosquitto_sub');
      expect(lines.find((l) => l.startsWith('aimdb/pico/actuator/state '))).to.equal('aimdb/pico/actuator/state {"open":true}');
      // Ring values carry the sequence envelope (0x1E seq 0x1F) ahead of the JSON text.
      expect(lines.filter((l) => l.startsWith('aimdb/pico/actuator/position ')).map((l) => l.replace(/[\x1e][0-9]+[\x1f]/, ''))).to.deep.equal([
        'aimdb/pico/actuator/position {"mm":1}',
        'aimdb/pico/actuator/position {"mm":2}',
        'aimdb/pico/actuator/position {"mm":3}',
      ]);
      expect(lines.some((l) => l.startsWith('aimdb/edge-m/status online'))).to.equal(true);
    });
  });

  describe('serial line faults', () => {
    let gw: Gateway;
    let dev: ReturnType<typeof device>;
    let line: ReturnType<typeof simulatedLine>;
    let present = true;

    beforeEach(async () => {
      dev = device();
      line = simulatedLine(dev.db);
      present = true;
      const open = (): Promise<MessageConn> => (present ? line.open() : Promise.reject(new Error('ENOENT: no such port')));
      gw = new Gateway(checkConfig({ node_id: 'edge-f', embedded_broker: { port: 0 }, devices: [{ name: 'pico', transport: 'sim://pico', reconnect_ms: 50, reconnect_max_ms: 200 }], log: { level: 'error' } }), {
        simulators: { pico: open },
        onLog: () => {},
      });
      await gw.start();
      await gw.ready();
    });

    afterEach(async () => {
      await gw.stop();
      dev.db.stop();
    });

    const twinValues = () => {
      const r = gw.db!.subscribe({ name: 'pico.actuator.position', type: 'twin:state' });
      const got: number[] = [];
      r.each((v) => got.push((v as { mm: number }).mm));
      return got;
    };

    it('rejects garbage on the line, resynchronises, and keeps the values flowing', async () => {
      const got = twinValues();
      dev.db.set(Pos, { mm: 1 });
      await waitFor(() => got.length === 1, 3000, 'first value');
      // Noise as the gateway's UART would see it: random bytes, a bogus frame, a half frame.
      line.gatewayEnd.inject(Uint8Array.from([0x13, 0x37, 0xff, 0x00, 0x05, 0x7b, 0x22, 0x00, 0x02, 0x01]));
      line.gatewayEnd.inject(Uint8Array.from(Array.from({ length: 300 }, (_, i) => (i * 7 + 1) & 0xff)));
      line.gatewayEnd.inject(Uint8Array.from([0x00]));
      dev.db.set(Pos, { mm: 2 });
      dev.db.set(Pos, { mm: 3 });
      await waitFor(() => got.length === 3, 3000, 'values after the noise');
      expect(got).to.deep.equal([1, 2, 3]);
      expect(gw.sessions.get('pico')!.state).to.equal('online');
    });

    it('goes offline when the port disappears and mirrors again when it comes back', async () => {
      const status = () => gw.db!.peek({ name: 'pico.$status', type: 'twin:status' }) as { state: string; reconnects: number } | undefined;
      await waitFor(() => status()?.state === 'online', 3000, 'online status');
      present = false;
      line.deviceEnd.open({ onData() {} }).close();
      await waitFor(() => status()?.state !== 'online', 3000, 'offline status');
      await new Promise((r) => setTimeout(r, 300));
      line = simulatedLine(dev.db);
      present = true;
      await waitFor(() => status()?.state === 'online', 5000, 'back online');
      expect(status()!.reconnects).to.equal(1);
      const got = twinValues();
      dev.db.set(Pos, { mm: 42 });
      await waitFor(() => got.includes(42), 3000, 'values after the reconnect');
      expect(gw.builds).to.equal(1);
    });
  });
});
