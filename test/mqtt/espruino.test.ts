/**
 * The core MQTT client on the real Espruino engine (2v29, the ESP32 build: 16,383 JsVars, code in
 * RAM) against a real broker on 127.0.0.1: connect, subscribe, a QoS 1 command answered at QoS 1,
 * then the broker restarted (sessions and subscriptions gone), and the client reconnects, subscribes
 * again and answers the next command. The program is test/mqtt/espruino/device.ts, built like a board
 * bundle (minified, hoisted, no tslib helpers).
 *
 * The engine runs in a worker thread (its run blocks that thread) while the broker and the test's
 * MQTT.js client live on this one. When the engines cannot run here the test fails with the reason.
 */
import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import mqtt from 'mqtt';
import { enginesProblem } from '../../tools/engines.mjs';
import type { EspruinoRun } from '../../tools/engines.mjs';
import { buildEspruinoMqttProgram } from './espruino/bundle.js';
import { startAedes, startMosquitto, TestBroker } from './helpers.js';
import { recordFigure } from './guarantee-figures.js';

const SECONDS = 18;

/** Resolves when `pred` holds for a message on `client`, or rejects after `ms`. */
function nextMessage(client: mqtt.MqttClient, pred: (topic: string, text: string) => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      client.off('message', on);
      reject(new Error('timed out waiting for ' + what));
    }, ms);
    function on(topic: string, payload: Buffer) {
      if (!pred(topic, payload.toString())) return;
      clearTimeout(t);
      client.off('message', on);
      resolve();
    }
    client.on('message', on);
  });
}

describe('core MQTT client on the real Espruino engine', function () {
  this.timeout((SECONDS + 120) * 1000);
  let program = '';

  before(async function () {
    // Never a skip: a machine without the engines fails here, saying what to install.
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
    program = await buildEspruinoMqttProgram();
  });

  it('the program is an ES5 device bundle: minified, hoisted, without TypeScript helpers', () => {
    expect(program).to.not.match(/__extends|__assign|__spreadArray|__awaiter|__generator/);
    expect(program).to.not.match(/\bconst |\blet |=>/);
    expect(program.split('\n').length).to.be.below(5);
  });

  // One run evaluates the program into RAM (as an ESP32 runs code), the other boots it from flash (as
  // a Pico or Espruino WiFi does after an upload); both on the 16,383-JsVar build.
  const runs: Array<[string, () => Promise<TestBroker>, 'ram' | 'flash']> = [['aedes', () => startAedes(), 'ram'], ['mosquitto', () => startMosquitto(), 'flash']];
  for (const [name, start, mode] of runs) {
    it(`connects, subscribes, answers QoS 1, and after a ${name} restart reconnects and subscribes again (code in ${mode})`, async () => {
      const broker = await start();
      const root = `esp/${process.pid}/${name}`;
      const watcher = mqtt.connect(broker.url, { reconnectPeriod: 100, connectTimeout: 3000 });
      watcher.on('error', () => {});
      let worker: Worker | null = null;
      try {
        await new Promise<void>((res) => watcher.once('connect', () => res()));
        await watcher.subscribeAsync(root + '/#', { qos: 1 });
        const prelude = `var AIMDB_MQTT_PORT=${broker.port};var AIMDB_MQTT_ROOT=${JSON.stringify(root)};`;
        const done = new Promise<EspruinoRun>((resolve, reject) => {
          worker = new Worker(new URL('./espruino/run-worker.mjs', import.meta.url), {
            workerData: { code: prelude + '\n' + program, options: { jsVars: 16383, mode, network: true, seconds: SECONDS } },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
        });
        const t0 = Date.now();
        // The device subscribes before it announces itself, on the same connection: once the hello
        // is here, the broker has the subscription.
        await nextMessage(watcher, (t, p) => t === root + '/hello' && p === 'connect 1', 20000, 'first connection');
        const connectMs = Date.now() - t0;
        const echo1 = nextMessage(watcher, (t, p) => t === root + '/echo' && p === 'ack:one', 10000, 'first echo');
        await watcher.publishAsync(root + '/cmd', 'one', { qos: 1 });
        await echo1;
        const hello2 = nextMessage(watcher, (t, p) => t === root + '/hello' && p === 'connect 2', 20000, 'reconnection');
        const r0 = Date.now();
        await broker.restart();
        // MQTT.js reconnects to the new broker and subscribes again by itself.
        await hello2;
        const reconnectMs = Date.now() - r0;
        const echo2 = nextMessage(watcher, (t, p) => t === root + '/echo' && p === 'ack:two', 10000, 'second echo');
        await watcher.publishAsync(root + '/cmd', 'two', { qos: 1 });
        await echo2;
        const run = await done;
        worker = null;
        const lines = run.lines.filter((l) => /^(connect|cmd|mem|client|close)/.test(l));
        const figure = (what: string) => Number((lines.find((l) => l.startsWith(what + ' ')) || '- -1').split(' ')[1]);
        const mem = figure('mem');
        recordFigure('espruino-reconnect', name + ', code in ' + mode, { connectMs, reconnectAfterRestartMs: reconnectMs, jsVarsConnected: mem, clientJsVars: figure('client'), peakJsVars: run.peak });
        expect(run.failure, run.lines.join('\n')).to.equal(undefined);
        expect(lines.filter((l) => /^(connect|cmd)/.test(l))).to.deep.equal(['connect 1 false', 'cmd one q1', 'connect 2 false', 'cmd two q1']);
        expect(lines.filter((l) => l.startsWith('close')).length).to.equal(1);
        expect(mem).to.be.above(0);
        expect(figure('client')).to.be.above(0);
      } finally {
        if (worker) await (worker as Worker).terminate();
        await watcher.endAsync(true);
        await broker.stop();
      }
    });
  }
});
