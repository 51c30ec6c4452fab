/**
 * Attacks through the MQTT broker: forged ownership claims, a forged status, a stolen client id,
 * commands from clients not allowed to send them, and one envelope with an absurd sequence number.
 * First on the embedded broker (aedes, its ACL from the gateway's config), then on a real mosquitto
 * configured with the ACL file docs/deploy/mosquitto.acl documents.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { wrapSeq } from '../../core/mqtt/policy.js';
import { envelopeLength } from '../../core/mqtt/index.js';
import { Temp, freePort, realDevice, recordAttack, sleep, startGateway, stopAll, until, type GatewayProc } from './harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'sec-token-mqtt-93ad';
const device = () => realDevice('dev', true);

const strip = (p: Buffer) => p.subarray(envelopeLength(p, [0])).toString('utf8');

async function connect(url: string, o: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...o });
}

/** The gateway's inbound link gaps (dashboard /api/status). */
async function linkGaps(g: GatewayProc, record: string): Promise<number> {
  const st = (await (await fetch(g.endpoints.dashboard + 'api/status', { headers: { authorization: 'Bearer ' + TOKEN } })).json()) as { links: Array<{ record: string; direction: string; gaps?: number }> };
  return st.links.filter((l) => l.record === record && l.direction === 'in').reduce((n, l) => n + (l.gaps ?? 0), 0);
}

/**
 * Runs the attacks against a gateway whose broker is at `brokerUrl`; `attacker` connects as someone
 * with no rights on the gateway's topics. Returns what was observed.
 */
async function attacks(g: GatewayProc, dev: Awaited<ReturnType<typeof device>>, brokerUrl: string, attacker: mqtt.IClientOptions, operator: mqtt.IClientOptions, board: mqtt.IClientOptions) {
  const watcher = await connect(brokerUrl, { ...operator, clientId: 'watcher' });
  const temps: string[] = [];
  watcher.on('message', (t, p) => {
    if (t === 'aimdb/dev/sensor/temp') temps.push(strip(p));
  });
  await watcher.subscribeAsync('aimdb/dev/sensor/temp', { qos: 1 });
  // Each forged publish on a connection of its own: a broker may drop the connection that tried.
  const forge = async (topic: string, payload: string, retain: boolean) => {
    const m = await connect(brokerUrl, { ...attacker, clientId: 'mallory' }).catch(() => null);
    if (!m) return;
    await Promise.race([m.publishAsync(topic, payload, { retain, qos: 1 }).catch(() => undefined), sleep(1000)]);
    await m.endAsync(true).catch(() => undefined);
  };
  // a. A forged, earlier ownership claim for every topic the gateway produces; b. a forged status.
  const claim = { node: 'mallory', since: Date.UTC(2025, 0, 1), topics: { 'aimdb/dev/sensor/temp': 'x', 'aimdb/dev/status': 'x', 'aimdb/edge-mq/status': 'x' }, refused: [] };
  await forge('aimdb/$owners/mallory', JSON.stringify(claim), true);
  await forge('aimdb/dev/status', JSON.stringify({ device: 'dev', state: 'offline', since: 0 }), true);
  // e. A command from a client not allowed to send commands.
  await forge('aimdb/dev/actuator/cmd/set', JSON.stringify({ open: true }), false);
  // c. Taking over the gateway's client id, three times.
  let takeovers = 0;
  for (let i = 0; i < 3; i++) {
    const thief = await connect(brokerUrl, { ...attacker, clientId: 'aimdb-edge-mq' }).catch(() => null);
    if (thief) {
      takeovers++;
      await thief.endAsync(true);
    }
  }
  await sleep(500);
  // The gateway keeps producing: values made now reach the watcher.
  const n0 = temps.length;
  for (let i = 1; i <= 5; i++) {
    dev.db.set(Temp, { c: i });
    await sleep(50);
  }
  await until(() => temps.length >= n0 + 5, 5000, 'values after the attack').catch(() => undefined);
  const produced = temps.length - n0;
  // What a newcomer sees retained.
  const late = await connect(brokerUrl, { ...operator, clientId: 'late' });
  const retained = new Map<string, string>();
  late.on('message', (t, p) => retained.set(t, p.toString('utf8')));
  await late.subscribeAsync(['aimdb/$owners/+', 'aimdb/dev/status'], { qos: 1 });
  await sleep(500);
  await late.endAsync();
  // An allowed operator's command goes through.
  const op = await connect(brokerUrl, { ...operator, clientId: 'operator' });
  await op.publishAsync('aimdb/dev/actuator/cmd/set', JSON.stringify({ open: false }), { qos: 1 });
  await until(() => dev.commands.length > 0, 5000, 'operator command').catch(() => undefined);
  await op.endAsync();
  // d. One ring envelope with an absurd sequence number, from the board itself, then normal ones.
  const b = await connect(brokerUrl, { ...board, clientId: 'board-1' });
  for (const seq of [1, 2, 999999999999999, 3, 4]) await b.publishAsync('aimdb/board1/climate/temp', wrapSeq(seq, JSON.stringify({ c: seq })) as string, { qos: 1 });
  await sleep(500);
  const gaps = await linkGaps(g, 'board.climate.temp');
  await b.endAsync();
  await watcher.endAsync();
  const status = retained.get('aimdb/dev/status');
  return {
    produced,
    ownersRetained: [...retained.keys()].filter((t) => t.startsWith('aimdb/$owners/')).map((t) => t.slice('aimdb/$owners/'.length)),
    statusState: status ? (JSON.parse(status) as { state: string }).state : 'none',
    takeovers,
    commands: dev.commands.map((c) => JSON.stringify(c)),
    gaps,
  };
}

const devicesConfig = (devUrl: string) => [
  { name: 'dev', transport: devUrl, resync_ms: 0 },
  { name: 'board', mqtt: { node: 'board1' }, records: [{ key: 'climate.temp', buffer: 'spmc_ring', capacity: 16 }] },
];

describe('security: MQTT authorization', function () {
  this.timeout(60000);
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    await stopAll();
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('5. embedded broker: no forged claim, status or client id silences the gateway; only allowed clients send commands; one envelope cannot inflate the gap counter', async () => {
    const dev = await device();
    cleanup.push(() => dev.listener.close(), () => dev.db.stop());
    const g = await startGateway({
      node_id: 'edge-mq',
      embedded_broker: {
        port: 0,
        anonymous_publish: [],
        users: [
          { username: 'operator', password: 'op-secret', publish: ['aimdb/+/actuator/cmd/set'] },
          { username: 'board1', password: 'b1-secret', node: 'board1' },
        ],
      },
      devices: devicesConfig(dev.url),
      remote: { tcp: '127.0.0.1:0', token: TOKEN },
      dashboard: { port: 0 },
      log: { level: 'info' },
    });
    const r = await attacks(g, dev, g.endpoints.mqtt, {}, { username: 'operator', password: 'op-secret' }, { username: 'board1', password: 'b1-secret' });
    expect(g.alive()).to.equal(true);
    expect(r.produced, 'values produced after the attack').to.equal(5);
    expect(r.ownersRetained, 'claims documents retained').to.deep.equal(['edge-mq']);
    expect(r.statusState).to.equal('online');
    expect(r.takeovers, 'client id takeovers accepted').to.equal(0);
    expect(r.commands, 'commands executed').to.deep.equal(['{"open":false}']);
    expect(r.gaps, 'gaps counted').to.equal(0);
    recordAttack('mqtt-embedded', {
      item: 5,
      title: 'Forged claims, status, client id, commands and envelope on the embedded broker',
      attack: "anonymous client: retained `aimdb/$owners/mallory` claiming the gateway's topics with an earlier `since`, retained `offline` on a device status topic, a command, 3 connects with the gateway's client id; the board: one ring envelope with seq 999,999,999,999,999 among seqs 1-4",
      outcome: `all refused by the broker's ACL: ${r.produced}/5 values produced after the attack, retained claims only from [${r.ownersRetained.join(', ')}], device status '${r.statusState}', ${r.takeovers}/3 takeovers, commands executed ${JSON.stringify(r.commands)} (the operator's only), gaps counted ${r.gaps}`,
    });
  });

  it('5. external mosquitto with the documented acl_file: the same attacks fail', async () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'aimdb-mosq-'));
    const port = await freePort();
    const pw = path.join(dir, 'passwd');
    fs.writeFileSync(pw, '');
    for (const [u, p] of [['edge-mq', 'gw-secret'], ['operator', 'op-secret'], ['board1', 'b1-secret'], ['mallory', 'm-secret']]) {
      await new Promise<void>((resolve, reject) => {
        const c = spawn('mosquitto_passwd', ['-b', pw, u, p], { stdio: 'ignore' });
        c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('mosquitto_passwd ' + code))));
      });
    }
    const acl = path.join(dir, 'acl');
    // The documented file, with the gateway's user and the operator filled in.
    const doc = fs.readFileSync(path.join(ROOT, 'docs/deploy/mosquitto.acl'), 'utf8');
    fs.writeFileSync(acl, doc);
    const conf = path.join(dir, 'mosquitto.conf');
    // As root, mosquitto would drop to its own user, which cannot read this private directory.
    fs.writeFileSync(conf, [process.getuid?.() === 0 ? 'user root' : '', `listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${pw}`, `acl_file ${acl}`, 'persistence false', ''].join('\n'));
    const mosq: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    cleanup.push(() => {
      mosq.kill('SIGKILL');
    });
    await until(
      () =>
        new Promise<boolean>((r) => {
          const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
          s.on('error', () => r(false));
        }),
      5000,
      'mosquitto listening',
    );
    const brokerUrl = `mqtt://127.0.0.1:${port}`;
    const dev = await device();
    cleanup.push(() => dev.listener.close(), () => dev.db.stop());
    const g = await startGateway({
      node_id: 'edge-mq',
      broker: { url: brokerUrl, client_id: 'aimdb-edge-mq', username: 'edge-mq', password: 'gw-secret' },
      devices: devicesConfig(dev.url),
      remote: { tcp: '127.0.0.1:0', token: TOKEN },
      dashboard: { port: 0 },
      log: { level: 'info' },
    });
    await sleep(500);
    const r = await attacks(g, dev, brokerUrl, { username: 'mallory', password: 'm-secret' }, { username: 'operator', password: 'op-secret' }, { username: 'board1', password: 'b1-secret' });
    expect(g.alive()).to.equal(true);
    expect(r.produced).to.equal(5);
    expect(r.ownersRetained).to.deep.equal(['edge-mq']);
    expect(r.statusState).to.equal('online');
    expect(r.commands).to.deep.equal(['{"open":false}']);
    expect(r.gaps).to.equal(0);
    recordAttack('mqtt-mosquitto', {
      item: 5,
      title: 'The same attacks on mosquitto with docs/deploy/mosquitto.acl',
      attack: 'user mallory (no grants): forged claims, forged status, a command; the board: one envelope with seq 999,999,999,999,999; (a stolen client id is mosquitto\'s to allow: it takes over any id a user reconnects with)',
      outcome: `${r.produced}/5 values produced after the attack, retained claims only from [${r.ownersRetained.join(', ')}], device status '${r.statusState}', commands executed ${JSON.stringify(r.commands)}, gaps counted ${r.gaps}`,
    });
  });
});
