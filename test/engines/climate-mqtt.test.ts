/**
 * climate-sensor does its job on the real Espruino (the ESP32 build, 16,383 JsVars, code evaluated
 * into RAM): pointed at a mosquitto on 127.0.0.1 through its Storage setting (climate.json), it
 * publishes its readings in the sequence envelope, takes its retained configuration and a command,
 * and after the broker restarts it reconnects, subscribes again and takes the retained
 * configuration again. An MQTT.js client checks what arrives; the board's memory peak over the whole
 * run stays within the board's budget.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { enginesProblem, startEspruino } from '../../tools/engines.mjs';
import type { LiveEspruino } from '../../tools/engines.mjs';
import { loadBoard } from '../../tools/boards.mjs';
import { observer, startMosquitto, waitFor } from '../mqtt/helpers.js';
import type { TestBroker } from '../mqtt/helpers.js';
import { ensureBuilt, ROOT } from '../targets/helpers.js';

const ZONE = 'climate/zone-a';

/** A payload in the sequence envelope: 0x1E, the record's sequence number, 0x1F, the value. */
function unwrap(raw: Buffer): { seq: number; value: any } | null {
  if (raw[0] !== 0x1e) return null;
  const end = raw.indexOf(0x1f);
  if (end < 2) return null;
  return { seq: Number(raw.subarray(1, end).toString('latin1')), value: JSON.parse(raw.subarray(end + 1).toString('utf8')) };
}

async function publishRetained(url: string, topic: string, text: string, retain: boolean): Promise<void> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000 });
  try {
    await c.publishAsync(topic, text, { qos: 1, retain });
  } finally {
    await c.endAsync(true);
  }
}

describe('climate-sensor on the real Espruino (ESP32 build) with mosquitto', function () {
  this.timeout(240_000);
  let broker: TestBroker | undefined;
  let board: LiveEspruino | undefined;
  let watch: Awaited<ReturnType<typeof observer>> | undefined;

  before(() => {
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
    ensureBuilt();
  });
  after(async () => {
    if (board) await board.stop();
    if (watch) await watch.end();
    if (broker) await broker.stop();
  });

  it('publishes enveloped readings, takes its retained config and a command, and comes back after a broker restart', async () => {
    broker = await startMosquitto();
    await publishRetained(broker.url, ZONE + '/config', '{"intervalMs":400,"tempOffset":1}', true);
    watch = await observer(broker.url, [ZONE + '/#', 'aimdb/#']);

    const esp32 = loadBoard(join(ROOT, 'boards/esp32'));
    board = startEspruino(readFileSync(join(ROOT, 'dist/climate-sensor.esp32.js'), 'utf8'), {
      jsVars: esp32.jsVars as number,
      mode: 'ram',
      network: true,
      storage: { 'climate.json': JSON.stringify({ broker: broker.url }) },
    });
    await board.waitFor('climate-sensor online on espruino', 60_000);
    // The retained configuration arrives over MQTT (the default one is printed first).
    await board.waitFor('config interval=400 offset=1', 60_000);
    await waitFor(() => watch!.msgs.some((m) => m.topic === 'aimdb/climate-esp32-a/status' && m.text === 'online'), 30_000, 'status online');

    // Readings, every 400 ms now, each in the sequence envelope with increasing numbers.
    await waitFor(() => watch!.msgs.filter((m) => m.topic === ZONE + '/temp').length >= 3, 30_000, 'three temperature readings');
    const temps = watch.msgs.filter((m) => m.topic === ZONE + '/temp').map((m) => unwrap(m.raw));
    for (const t of temps) {
      expect(t, 'enveloped').to.not.equal(null);
      expect(t!.value.v).to.be.within(17, 26); // 21 ± 3 °C plus the configured offset of 1
      expect(t!.value.t).to.be.a('number');
    }
    for (let i = 1; i < temps.length; i++) expect(temps[i]!.seq).to.be.greaterThan(temps[i - 1]!.seq);
    await waitFor(() => watch!.msgs.some((m) => m.topic === ZONE + '/hum' && unwrap(m.raw) !== null), 30_000, 'a humidity reading');

    // A command, taken once from the Mailbox.
    await publishRetained(broker.url, ZONE + '/cmd', '{"action":"report"}', false);
    await board.waitFor('cmd report', 30_000);
    await publishRetained(broker.url, ZONE + '/cmd', '{"action":"calibrate","value":2}', false);
    await board.waitFor('config interval=400 offset=2', 30_000);

    // The broker goes away (a fresh one comes back on the same port, without retained messages):
    // the test retains a new configuration at once, which the sensor can only get by subscribing again.
    const before = board.lines.length;
    await broker.restart();
    await publishRetained(broker.url, ZONE + '/config', '{"intervalMs":300,"tempOffset":3}', true);
    await board.waitFor('config interval=300 offset=3', 90_000, before);
    expect(board.lines.slice(before).some((l) => l.includes('closed')), 'the sensor saw the connection close').to.equal(true);
    const seen = watch.msgs.length;
    await waitFor(() => watch!.msgs.slice(seen).some((m) => m.topic === ZONE + '/temp' && unwrap(m.raw) !== null), 30_000, 'readings after the restart');

    expect(board.failure(), board.lines.join('\n')).to.equal(undefined);
    expect(board.peak).to.be.within(1, esp32.jsVarBudget as number);
  });
});
