/**
 * Memory cost of the core MQTT client, measured by walking its object graph (what the instance owns:
 * fields, arrays, closures, typed arrays), and an Espruino JsVar estimate from it. Also a budget:
 * the test fails if the client grows beyond it. The estimate follows ENGINES.md: one JsVar per
 * object/array/function header and per property or element, one more per property name over 10
 * characters, strings ~12 chars per extra JsVar, typed arrays 2 JsVars + bytes/12 (flat storage).
 * Function code is not counted (prototype methods are shared per module; closures made in the
 * constructor share one scope); this is an estimate, not a measurement on a device.
 */
import { expect } from 'chai';
import { MqttClient } from '../../core/mqtt/client.js';
import { OutboundLink, InboundLink } from '../../core/mqtt/links.js';
import { BUFFER_MAILBOX, BUFFER_SINGLE_LATEST, BUFFER_SPMC_RING } from '../../core/api.js';
import { connack, fakeSockets, virtual } from './fake-broker.js';
import { inRoute, outRoute } from './helpers.js';

interface Cost {
  objects: number;
  arrays: number;
  functions: number;
  typedBytes: number;
  props: number;
  jsvars: number;
}

/** Walks everything reachable from `root`, not entering `shared` objects. */
function cost(root: unknown, shared: unknown[]): Cost {
  const seen = new Set<unknown>(shared);
  const c: Cost = { objects: 0, arrays: 0, functions: 0, typedBytes: 0, props: 0, jsvars: 0 };
  const str = (s: string) => (s.length > 4 ? Math.ceil(s.length / 12) : 0);
  function walk(v: unknown): void {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) {
      if (typeof v === 'string') c.jsvars += str(v);
      return;
    }
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      c.typedBytes += v.byteLength;
      c.jsvars += 2 + Math.ceil(v.byteLength / 12);
      return;
    }
    if (typeof v === 'function') {
      c.functions++;
      c.jsvars += 3; // function + scope link + code reference
      return;
    }
    if (Array.isArray(v)) c.arrays++;
    else c.objects++;
    c.jsvars += 1;
    for (const k of Object.keys(v as object)) {
      c.props++;
      c.jsvars += 1 + (k.length > 10 && !Array.isArray(v) ? 1 : 0);
      walk((v as any)[k]);
    }
  }
  walk(root);
  return c;
}

describe('core/mqtt memory cost', () => {
  function connectedClient(subs: number) {
    const v = virtual();
    const sockets = fakeSockets();
    const client = new MqttClient(sockets, v.ctx, {
      host: 'broker', port: 1883, clientId: 'esp32-1', keepalive: 30,
      will: { topic: 'aimdb/esp32-1/status', payload: 'offline', qos: 1, retain: true },
      onMessage: () => {},
    });
    for (let i = 0; i < subs; i++) client.subscribe('cmd/' + i + '/#', 1);
    client.start();
    sockets.last().open();
    sockets.last().recv(connack());
    for (let i = 0; i < subs; i++) sockets.last().recv({ cmd: 'suback', messageId: i + 1, granted: [1] } as any);
    // The runtime, the socket factory, the stream and the caller's callback are not the client's.
    return { client, shared: [v.ctx, v.rt, v.timers, sockets, client._stream, client._onMessage] };
  }

  it('costs at most ~300 JsVars for a connected client with one subscription (budget)', () => {
    const { client, shared } = connectedClient(1);
    const c = cost(client, shared);
    // eslint-disable-next-line no-console
    console.log('      idle client, 1 subscription:', JSON.stringify(c));
    expect(c.objects + c.arrays).to.be.at.most(20);
    expect(c.functions).to.be.at.most(10);
    expect(c.jsvars).to.be.at.most(300);
  });

  it('adds a bounded amount per subscription and per in-flight QoS 1 message', () => {
    const one = connectedClient(1);
    const five = connectedClient(5);
    const perSub = (cost(five.client, five.shared).jsvars - cost(one.client, one.shared).jsvars) / 4;
    const before = cost(one.client, one.shared).jsvars;
    for (let i = 0; i < 4; i++) one.client.publish('climate/zone-a/temp', '{"c":21.5}', 1, false);
    const perMsg = (cost(one.client, one.shared).jsvars - before) / 4;
    // eslint-disable-next-line no-console
    console.log(`      per subscription ≈ ${perSub} JsVars, per in-flight 33-byte publish ≈ ${perMsg} JsVars`);
    expect(perSub).to.be.at.most(12);
    expect(perMsg).to.be.at.most(20);
  });

  it('costs a few dozen JsVars per link', () => {
    const links = [
      new OutboundLink(outRoute('a', 'mqtt://climate/zone-a/temp', BUFFER_SPMC_RING)),
      new OutboundLink(outRoute('b', 'mqtt://climate/setpoint', BUFFER_SINGLE_LATEST)),
      new InboundLink(inRoute('c', 'mqtt://cmd/+/set', BUFFER_MAILBOX)),
    ];
    const c = links.map((l) => cost(l, [l.route]).jsvars);
    // eslint-disable-next-line no-console
    console.log('      ring out, latest out, mailbox in links:', JSON.stringify(c), 'JsVars');
    for (const x of c) expect(x).to.be.at.most(60);
  });
});
