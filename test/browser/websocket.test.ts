/**
 * The browser target's WebSocket byte transport and the broker's MQTT-over-WebSocket listener, on
 * Node (the `ws` package stands in for the page's WebSocket): the core's own MQTT client connects
 * through it to aedes, and malformed or oversized input is refused.
 */
import { expect } from 'chai';
import http from 'node:http';
import type net from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bridge/gateway/broker.js';
import mqtt from 'mqtt';
import { builder, key, mailbox, singleLatest, utf8Decode } from '../../core/index.js';
import { mqttConnector } from '../../core/mqtt/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { chunkBytes, webSocketSockets, type BrowserWebSocketCtor } from '../../targets/browser/index.js';
import { browserRuntime } from '../../targets/browser/runtime.js';
import { waitFor } from '../gateway/support.js';

/** What a page offers the transport, from Node: timers and the `ws` package's WebSocket. */
const host = { setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (t: unknown) => clearTimeout(t as NodeJS.Timeout), WebSocket: WebSocket as unknown as BrowserWebSocketCtor };

describe('targets/browser WebSocket transport', function () {
  this.timeout(20000);
  let broker: EmbeddedBroker;
  before(async () => {
    broker = await startEmbeddedBroker('127.0.0.1', 0, { ws: { port: 0 } });
  });
  after(async () => broker.close());

  it('carries the core MQTT connector to aedes over WebSocket, both ways, to TCP clients', async () => {
    const port = Number(new URL(broker.wsUrl!).port);
    const In = key<{ n: number }>('page.in', 'N');
    const Out = key<{ n: number }>('page.out', 'N');
    const seen: number[] = [];
    const conn = mqttConnector({ url: `mqtt://127.0.0.1:${port}`, sockets: webSocketSockets({ host }), keepalive: 10 });
    const db = builder(nodeRuntime({ sink: () => {} }))
      .nodeId('ws-page')
      .withConnector(conn)
      .configure(In, (r) =>
        r
          .buffer(singleLatest())
          .linkFrom('mqtt://wst/in')
          .withDeserializer((_c, p) => JSON.parse(typeof p === 'string' ? p : utf8Decode(p)))
          .finish()
          .tap((_c, rd) => {
            rd.each((v) => seen.push(v.n));
          }),
      )
      .configure(Out, (r) => r.buffer(mailbox()).linkTo('mqtt://wst/out').withSerializer((_c, v) => JSON.stringify(v)).finish())
      .build();
    db.start();
    const tcp = await mqtt.connectAsync(broker.url, { clientId: 'tcp-peer' });
    try {
      const outs: string[] = [];
      tcp.on('message', (t, p) => {
        if (t === 'wst/out') outs.push(p.toString());
      });
      await tcp.subscribeAsync('wst/out', { qos: 1 });
      await waitFor(() => !!conn.client && conn.client.connected, 5000, 'ws connect');
      await tcp.publishAsync('wst/in', JSON.stringify({ n: 7 }), { qos: 1 });
      await waitFor(() => seen.includes(7), 5000, 'inbound over ws');
      db.set(Out, { n: 9 });
      await waitFor(() => outs.length > 0, 5000, 'outbound over ws');
      expect(JSON.parse(outs[0])).to.deep.equal({ n: 9 });
    } finally {
      await tcp.endAsync();
      db.stop();
    }
  });

  it('copies every chunk shape into bytes', () => {
    expect([...chunkBytes('A\u00ff\u0100')]).to.deep.equal([65, 255, 0]);
    expect([...chunkBytes([1, 256, 513])]).to.deep.equal([1, 0, 1]);
    expect([...chunkBytes(new Uint8Array([9, 8]))]).to.deep.equal([9, 8]);
  });

  it('closes the stream on a text frame (MQTT is binary), once', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (s) => s.send('not mqtt'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const closes: Array<string | undefined> = [];
    let connected = 0;
    webSocketSockets({ host, path: '/' }).connect('127.0.0.1', port, { onData: () => {}, onConnect: () => connected++, onClose: (e) => closes.push(e) });
    await waitFor(() => closes.length > 0, 5000, 'close');
    await new Promise((r) => setTimeout(r, 100));
    expect(connected).to.equal(1);
    expect(closes).to.deep.equal(['websocket: text frame on an MQTT connection']);
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('reports a refused connection through onClose, not by throwing', async () => {
    const closes: Array<string | undefined> = [];
    webSocketSockets({ host }).connect('127.0.0.1', 1, { onData: () => {}, onClose: (e) => closes.push(e) });
    await waitFor(() => closes.length > 0, 5000, 'close');
    expect(closes[0]).to.match(/websocket/);
  });

  it('the broker refuses other paths and oversized messages', async () => {
    const port = Number(new URL(broker.wsUrl!).port);
    const other = new WebSocket(`ws://127.0.0.1:${port}/other`, 'mqtt');
    const err = await new Promise<string>((r) => other.on('error', (e) => r(String(e))));
    expect(err).to.match(/400|404|Unexpected server response/);
    const big = new WebSocket(broker.wsUrl!, 'mqtt');
    await new Promise<void>((r) => big.on('open', () => r()));
    const code = await new Promise<number>((r) => {
      big.on('close', (c) => r(c));
      big.send(Buffer.alloc((1 << 20) + 1));
    });
    expect(code).to.equal(1009); // message too big
  });

  it('the browser runtime defers through MessageChannel and keeps timers', async () => {
    const order: string[] = [];
    const rt = browserRuntime({ host: { setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (t: unknown) => clearTimeout(t as NodeJS.Timeout), MessageChannel, performance } as never, onLog: (l, s, m) => order.push(`${l} ${s} ${m}`), level: 'info' });
    rt.defer(() => order.push('d1'));
    rt.defer(() => order.push('d2'));
    const t = rt.setTimer(() => order.push('never'), 5);
    rt.clearTimer(t);
    rt.setTimer(() => order.push('t'), 10);
    rt.log('debug', 'x', 'dropped');
    rt.log('warn', 'x', 'kept');
    await new Promise((r) => setTimeout(r, 50));
    expect(order).to.deep.equal(['warn x kept', 'd1', 'd2', 't']);
    expect(rt.name).to.equal('browser');
    expect(rt.wallClock()).to.be.closeTo(Date.now(), 1000);
  });
});
