/**
 * A board that speaks MQTT itself: the core MCU client (`core/mqtt`, the code an ESP32 runs) on Node
 * sockets, through the fault proxy. Records: `board.reading` ring(16) → `board/reading`,
 * `board.config` SingleLatest → `board/config` (optionally persisted with targets/espruino
 * `persistLatest` on a file-backed Storage), `board.cmd` Mailbox ← `board/cmd`.
 * The observer is an independent AimDB node on the broker directly.
 */
import * as fs from 'node:fs';
import { builder, key, mailbox, ring, singleLatest, utf8Decode, type Database, type LinkMetrics } from '../../core/index.js';
import { mqttConnector, type MqttConnector } from '../../core/mqtt/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { nodeSockets } from '../../targets/node/net.js';
import { persistLatest, type Persistence } from '../../targets/espruino/persist.js';
import { nodeMqttConnector } from '../../bridge/mqtt/index.js';

export interface Reading {
  v: number;
}
export interface Config {
  n: number;
}
export interface BoardCmd {
  n: number;
}
export const Reading = key<Reading>('board.reading', 'Reading');
export const Config = key<Config>('board.config', 'Config');
export const BoardCmd = key<BoardCmd>('board.cmd', 'BoardCmd');

const json = <T>(p: string | ArrayLike<number>): T => JSON.parse(typeof p === 'string' ? p : utf8Decode(p)) as T;

/** Espruino's Storage (readJSON/writeJSON/erase) on one JSON file per name in `dir`: flash that survives a power cycle. */
export function fileStorage(dir: string) {
  const f = (n: string) => dir + '/' + n.replace(/[^a-z0-9._-]/gi, '_') + '.json';
  return {
    readJSON(name: string): unknown {
      try {
        return JSON.parse(fs.readFileSync(f(name), 'utf8'));
      } catch {
        return undefined;
      }
    },
    writeJSON(name: string, data: unknown): boolean {
      fs.writeFileSync(f(name), JSON.stringify(data));
      return true;
    },
    erase(name: string): void {
      fs.rmSync(f(name), { force: true });
    },
  };
}

/** Boots the board. `storageDir`: persist `board.config` there (restored at boot). */
export function bootBoard(brokerUrl: string, storageDir?: string) {
  const executed: number[] = [];
  const rt = nodeRuntime({ sink: () => {} });
  const conn: MqttConnector = mqttConnector({
    url: brokerUrl, sockets: nodeSockets(), clientId: 'board-1',
    keepalive: 1, pingTimeoutMs: 500, connectTimeoutMs: 1000, reconnectMinMs: 100, reconnectMaxMs: 400, retryMs: 500,
  });
  const db: Database = builder(rt)
    .nodeId('board-1')
    .withConnector(conn)
    .configure(Reading, (r) => r.buffer(ring(16)).linkTo('mqtt://board/reading').withSerializer((_c, v) => JSON.stringify(v)).finish())
    .configure(Config, (r) => r.buffer(singleLatest()).linkTo('mqtt://board/config').withSerializer((_c, v) => JSON.stringify(v)).finish())
    .configure(BoardCmd, (r) =>
      r
        .buffer(mailbox())
        .linkFrom('mqtt://board/cmd')
        .withDeserializer((_c, p) => json<BoardCmd>(p))
        .finish()
        .tap((_c, c) => void c.each((v) => executed.push(v.n))),
    )
    .build();
  let persistence: Persistence | null = null;
  if (storageDir) persistence = persistLatest(db, [Config], { runtime: rt, storage: fileStorage(storageDir), debounceMs: 50 });
  db.start();
  const out = (k: string): LinkMetrics => db.records().find((r) => r.key === k)!.links[0].metrics;
  return { db, conn, executed, persistence, out };
}

const RxReading = key<Reading>('obs.reading', 'Reading');
const RxConfig = key<Config>('obs.config', 'Config');

/** The observer node. */
export function observerNode(url: string) {
  const got: number[] = [];
  const db = builder(nodeRuntime({ sink: () => {} }))
    .nodeId('observer')
    .withConnector(nodeMqttConnector({ url, reconnectMinMs: 100, reconnectMaxMs: 300, status: false }))
    .configure(RxReading, (r) =>
      r.buffer(ring(4096)).linkFrom('mqtt://board/reading').withDeserializer((_c, p) => json<Reading>(p)).finish().tap((_c, c) => void c.each((v) => got.push(v.v))),
    )
    .configure(RxConfig, (r) => r.buffer(singleLatest()).linkFrom('mqtt://board/config').withDeserializer((_c, p) => json<Config>(p)).finish())
    .build()
    .start();
  const gaps = () => db.records().find((r) => r.key === 'obs.reading')!.links[0].metrics.gaps;
  const dropped = () => db.records().find((r) => r.key === 'obs.reading')!.metrics.dropped;
  return { db, got, gaps, dropped, config: () => db.peek(RxConfig) as Config | undefined };
}
