import { expect } from 'chai';
import { connectorSuite, ConnectorFactory } from './connector-suite.js';
import { connectorContext, inRoute, nodeTestAdapter, startAedes, startMosquitto, waitFor } from './helpers.js';
import { mqttConnector } from '../../core/mqtt/connector.js';
import { nodeMqttConnector } from '../../bridge/mqtt/connector.js';
import { nodeSockets } from '../../targets/node/net.js';
import { BUFFER_MAILBOX, BUFFER_SINGLE_LATEST, BUFFER_SPMC_RING } from '../../core/api.js';

const fast = { reconnectMinMs: 50, reconnectMaxMs: 200, reconnectJitter: 0 };
const factories: Array<[string, ConnectorFactory]> = [
  ['core mqttConnector over Node sockets', (url, clientId) => mqttConnector({ url, clientId, sockets: nodeSockets(), keepalive: 5, ...fast })],
  ['bridge nodeMqttConnector (MQTT.js)', (url, clientId) => nodeMqttConnector({ url, clientId, keepalive: 5, ...fast })],
];

describe('MQTT connectors (one suite, both connectors, two brokers)', () => {
  for (const [brokerName, startBroker] of [['aedes', () => startAedes()], ['mosquitto', startMosquitto]] as const) {
    for (const [name, factory] of factories) connectorSuite(`${name}, ${brokerName}`, factory, startBroker);
  }

  // AimDB's fault "inbound QoS option ignored": the broker must see each filter at the link's QoS.
  describe('inbound subscription QoS, as the broker sees it (aedes)', () => {
    for (const [name, factory] of factories) {
      it(`${name} subscribes at the link's QoS: ?qos=2, Mailbox 1, ring 0`, async () => {
        const broker = await startAedes();
        const seen: { [filter: string]: number } = {};
        broker.aedes.on('subscribe', (subs) => {
          for (const s of subs) seen[s.topic] = s.qos;
        });
        const c = factory(broker.url, 'aimdb-qos-' + process.pid);
        const { ctx, timers } = connectorContext(nodeTestAdapter(), 'qos', [], [
          inRoute('a', 'mqtt://q/two?qos=2', BUFFER_SPMC_RING),
          inRoute('b', 'mqtt://q/box', BUFFER_MAILBOX),
          inRoute('c', 'mqtt://q/ring/#', BUFFER_SPMC_RING),
          inRoute('d', 'mqtt://q/state', BUFFER_SINGLE_LATEST, { qos: 0 }),
        ]);
        try {
          c.start(ctx);
          await waitFor(() => Object.keys(seen).length >= 4, 5000, () => 'subscriptions: ' + JSON.stringify(seen));
          expect(seen).to.deep.equal({ 'q/two': 2, 'q/box': 1, 'q/ring/#': 0, 'q/state': 0 });
        } finally {
          c.stop();
          timers.cancelAll();
          await broker.stop();
        }
      });
    }
  });
});
