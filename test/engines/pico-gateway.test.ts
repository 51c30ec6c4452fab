/**
 * pico-actuator does its job on the real Espruino (the Pico build, 5,100 JsVars, booted from flash):
 * its UART is one end of a pty pair made by `socat` (the Linux build's Serial1 opens a host device,
 * named in Storage `uart.json`), the real gateway attaches the other end as a serial device, answers
 * are AimX over COBS, and a valve command sent over MQTT to the gateway is executed on the board and
 * its new state comes back. The board's memory peak over the run stays within the board's budget.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { envelopeLength } from '../../core/mqtt/index.js';
import { loadBoard } from '../../tools/boards.mjs';
import { enginesProblem, startEspruino } from '../../tools/engines.mjs';
import type { LiveEspruino } from '../../tools/engines.mjs';
import { waitFor } from '../mqtt/helpers.js';
import { ensureBuilt, ROOT } from '../targets/helpers.js';

/** A null-modem cable: two cross-connected pseudo-terminals. Resolves with their paths. */
function ptyPair(): Promise<{ proc: ChildProcess; paths: string[] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    const timer = setTimeout(() => reject(new Error('socat made no pty pair: ' + text)), 10_000);
    proc.on('error', (e) => reject(new Error('socat is missing (make setup installs it): ' + e.message)));
    proc.stderr!.on('data', (d) => {
      text += d;
      const paths = [...text.matchAll(/PTY is (\S+)/g)].map((m) => m[1]);
      if (paths.length === 2) {
        clearTimeout(timer);
        resolve({ proc, paths });
      }
    });
  });
}

function text(payload: Buffer): string {
  return payload.subarray(envelopeLength(payload, [0])).toString('utf8');
}

describe('pico-actuator on the real Espruino (Pico build, from flash) with the gateway over a pty', function () {
  this.timeout(240_000);
  let socat: ChildProcess | undefined;
  let board: LiveEspruino | undefined;
  let gw: Gateway | undefined;
  let sub: mqtt.MqttClient | undefined;

  before(() => {
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
    ensureBuilt();
  });
  after(async () => {
    await sub?.endAsync(true);
    if (gw) await gw.stop();
    if (board) await board.stop();
    socat?.kill();
  });

  it('answers AimX on its UART and executes a valve command sent through the gateway', async () => {
    const pair = await ptyPair();
    socat = pair.proc;
    const pico = loadBoard(join(ROOT, 'boards/pico'));
    board = startEspruino(readFileSync(join(ROOT, 'dist/pico-actuator.pico.js'), 'utf8'), {
      jsVars: pico.jsVars as number,
      mode: 'flash',
      storage: { 'uart.json': JSON.stringify({ path: pair.paths[0] }) },
    });
    await board.waitFor('pico-actuator serving AimX on Serial1', 60_000);

    const config = checkConfig({
      node_id: 'edge-engines',
      embedded_broker: { port: 0 },
      devices: [{ name: 'pico', transport: `serial://${pair.paths[1]}?baud=115200` }],
      log: { level: 'info' },
    });
    const gwLog: string[] = [];
    gw = new Gateway(config, { onLog: (r) => gwLog.push(r.level + ' ' + r.message), discoveryTimeoutMs: 60_000 });
    await gw.start();
    await gw.ready();
    // Discovery went over AimX (hello, record.list) to the board: its four records became twins.
    const twins = gw.plan.map((t) => `${t.key} ${t.role}`);
    expect(twins, 'gateway: ' + gwLog.join(' | ') + '\nboard: ' + board.lines.slice(-12).join('\n')).to.include.members(['pico.actuator.valve.cmd.set command', 'pico.actuator.valve.state state', 'pico.actuator.led.cmd.set command', 'pico.actuator.uptime state']);

    sub = await mqtt.connectAsync(gw.endpoints().mqtt, { clientId: 'engines-test', reconnectPeriod: 0 });
    const got: Array<{ topic: string; text: string }> = [];
    sub.on('message', (topic, payload) => got.push({ topic, text: text(payload) }));
    await sub.subscribeAsync('aimdb/pico/#', { qos: 1 });
    const cmdTopic = gw.plan.find((t) => t.key === 'pico.actuator.valve.cmd.set')!.from[0].replace(/^mqtt:\/\//, '');
    await sub.publishAsync(cmdTopic, JSON.stringify({ id: 7, open: true }), { qos: 1 });
    await waitFor(
      () => got.some((g) => g.topic.endsWith('/actuator/valve/state') && JSON.parse(g.text).cmd === 7),
      60_000,
      () => 'the valve state of command 7; got ' + JSON.stringify(got.slice(-5)) + '; board: ' + board!.lines.slice(-5).join(' | '),
    );
    const state = JSON.parse(got.filter((g) => g.topic.endsWith('/actuator/valve/state')).pop()!.text);
    expect(state).to.include({ open: true, cmd: 7 });

    expect(board.failure(), board.lines.join('\n')).to.equal(undefined);
    expect(board.peak, 'memory peak while serving').to.be.within(1, pico.jsVarBudget as number);
  });
});
