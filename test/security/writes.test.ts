/**
 * Writes are checked: the gateway refuses a command that does not match the shape its device's
 * config declares (or is too large, or has nowhere to go), over AimX and over MQTT alike, and says
 * how far an accepted one went; the Pico actuator's firmware refuses a bad command on its own.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { cobsDecode, cobsEncodeText } from '../../core/codec/cobs.js';
import { encodeReq } from '../../core/aimx/frame.js';
import { utf8Decode } from '../../core/bytes.js';
import { DIST, REFERENCE_HOST, ROOT, runOnEngine } from '../targets/helpers.js';
import { legitClient, realDevice, recordAttack, sleep, startGateway, stopAll, until } from './harness.js';

const TOKEN = 'sec-token-writes-5e1c';
describe('security: writes are checked', function () {
  this.timeout(120000);
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    await stopAll();
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('6. the gateway refuses commands that do not match the declared shape, over AimX and MQTT, and says accepted', async () => {
    const dev = await realDevice('pico', false);
    cleanup.push(() => dev.listener.close(), () => dev.db.stop());
    const g = await startGateway({
      node_id: 'edge-w',
      embedded_broker: { port: 0 },
      devices: [
        {
          name: 'pico',
          transport: dev.url,
          resync_ms: 0,
          schemas: { 'actuator.cmd': { type: 'object', required: ['open'], properties: { open: { type: 'boolean' } }, additionalProperties: false } },
        },
      ],
      remote: { tcp: '127.0.0.1:0', token: TOKEN },
      log: { level: 'info' },
    });
    const c = await legitClient(g.endpoints.aimx[0], TOKEN);
    cleanup.push(() => c.close());
    const bad: unknown[] = [{ open: 'yes-string' }, null, { tempOffset: 0 }, { open: true, extra: 1 }, { open: true, pad: 'x'.repeat(50_000) }];
    const replies: string[] = [];
    for (const v of bad) {
      try {
        await c.setRecord('pico.actuator.cmd.set', v);
        replies.push('success');
      } catch (e) {
        replies.push((e as Error).message);
      }
    }
    const ok = (await c.setRecord('pico.actuator.cmd.set', { open: true })) as { status: string; delivery?: string };
    // The same bad value over MQTT.
    const m = await mqtt.connectAsync(g.endpoints.mqtt, { clientId: 'cmd-sender', reconnectPeriod: 0 });
    cleanup.push(() => m.endAsync(true));
    await m.publishAsync('aimdb/pico/actuator/cmd/set', JSON.stringify({ open: 'no' }), { qos: 1 });
    await m.publishAsync('aimdb/pico/actuator/cmd/set', JSON.stringify({ open: false }), { qos: 1 });
    await until(() => dev.commands.length >= 2, 5000, 'commands at the device');
    await sleep(300);
    expect(replies.every((r) => /denied|bad_value/.test(r)), replies.join(' | ')).to.equal(true);
    expect(ok.status).to.equal('success');
    expect(ok.delivery).to.equal('accepted');
    expect(dev.commands).to.deep.equal([{ open: true }, { open: false }]);
    recordAttack('writes-gateway', {
      item: 6,
      title: 'Commands of the wrong shape through the gateway',
      attack: 'record.set on a command twin with {"open":"yes-string"}, null, {"tempOffset":0}, an extra field, a 50 KB value; the same kind over MQTT',
      outcome: `all 5 refused (e.g. "${replies[0]}"); a valid command answered {status: "${ok.status}", delivery: "${ok.delivery}"}; the device executed exactly ${JSON.stringify(dev.commands)}`,
    });
  });

  it('6. the Pico actuator firmware refuses bad commands on its own (real bundle on duk)', async () => {
    // This bundle, built from the source under test (dist/ may hold an older one).
    this.timeout(400_000);
    execFileSync(join(ROOT, 'node_modules/.bin/rollup'), ['-c', '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 300_000, env: { ...process.env, AIMDB_APPS: 'pico-actuator', AIMDB_BOARDS: 'pico' } });
    const bundle = readFileSync(join(DIST, 'pico-actuator.pico.js'), 'utf8');
    const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
    const req = (id: number, method: string, params: string) => hex(cobsEncodeText(encodeReq(id, method, params)));
    const sends = [
      req(1, 'hello', '{"version":"3.0","client":"t"}'),
      req(2, 'record.set', '{"name":"actuator.valve.cmd","value":null}'),
      req(3, 'record.set', '{"name":"actuator.valve.cmd","value":{"id":7,"open":"yes-string"}}'),
      req(4, 'record.set', '{"name":"actuator.led.cmd","value":null}'),
      req(5, 'record.set', '{"name":"actuator.valve.cmd","value":{"id":9,"open":true}}'),
      req(6, 'record.get', '{"name":"actuator.valve.state"}'),
    ];
    let script = `${REFERENCE_HOST}\n${bundle}\n;aimdbHost.tick(0);\n`;
    sends.forEach((s, i) => (script += `hostReceiveHex('${s}'); aimdbHost.tick(${(i + 1) * 100});\n`));
    script += 'hostRun(6000);';
    const r = runOnEngine('duk', script);
    const bytes = Buffer.from(r.lines.filter((l) => l.startsWith('uart> ')).map((l) => l.slice(6)).join(''), 'hex');
    const frames: Array<{ t: string; id: number; ok?: { open: boolean; cmd: number } }> = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0) continue;
      const d = cobsDecode(bytes, start, i);
      if (d) frames.push(JSON.parse(utf8Decode(d)));
      start = i + 1;
    }
    const state = frames.find((f) => f.t === 'reply' && f.id === 6);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.lines.filter((l) => l.startsWith('LED2'))).to.deep.equal(['LED2 on']);
    expect(state?.ok).to.deep.include({ open: true, cmd: 9 });
    recordAttack('writes-firmware', {
      item: 6,
      title: 'Bad commands straight to the Pico actuator firmware',
      attack: 'over its UART (the real pico bundle on duktape (duk)): valve command null, {"open":"yes-string"}, LED command null, then a valid one',
      outcome: `no crash (exit ${r.status}); the bad ones changed nothing; the valve pin switched once (${r.lines.filter((l) => l.startsWith('LED2')).join(', ')}), for the valid command (state cmd ${state?.ok?.cmd})`,
    });
  });
});
