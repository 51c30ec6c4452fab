/**
 * A gateway process for the durability test: embedded broker, one MQTT device whose ring is kept in
 * history. Prints one JSON line per event on stdout: `{"broker":url}` once started, then
 * `{"acked":[n,…]}` for every batch the history store committed. The test kills it with SIGKILL.
 * Usage: gateway-child.ts <history file>
 */
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';

const file = process.argv[2];
const gw = new Gateway(
  checkConfig({
    node_id: 'edge-durable',
    embedded_broker: { port: 0 },
    devices: [{ name: 'dev', mqtt: { node: 'dev' }, records: [{ key: 'counter', buffer: 'spmc_ring', capacity: 1024, topic: 'test/counter' }] }],
    history: { path: file, records: ['dev.#'], flush_ms: 20, batch: 50 },
    ownership: { enabled: false },
    log: { level: 'error' },
  }),
  {
    onLog: (r) => process.stderr.write(`${r.level} ${r.source}: ${r.message}\n`),
    onHistoryStored: (rows) => process.stdout.write(JSON.stringify({ acked: rows.map((r) => JSON.parse(r[2]).n) }) + '\n'),
  },
);
const ep = await gw.start();
await gw.ready();
process.stdout.write(JSON.stringify({ broker: ep.mqtt, history: gw.history?.open ?? false }) + '\n');
