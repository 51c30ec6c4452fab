import { connectorSuite } from './connector-suite.js';
import { startAedes, startMosquitto } from './helpers.js';
import { mqttConnector } from '../../core/mqtt/connector.js';
import { nodeMqttConnector } from '../../bridge/mqtt/connector.js';
import { nodeSockets } from '../../targets/node/net.js';

const fast = { reconnectMinMs: 50, reconnectMaxMs: 200, reconnectJitter: 0 };

describe('MQTT connectors (one suite, both connectors, two brokers)', () => {
  for (const [brokerName, startBroker] of [['aedes', () => startAedes()], ['mosquitto', startMosquitto]] as const) {
    connectorSuite(`core mqttConnector over Node sockets, ${brokerName}`, (url, clientId) =>
      mqttConnector({ url, clientId, sockets: nodeSockets(), keepalive: 5, ...fast }), startBroker);
    connectorSuite(`bridge nodeMqttConnector (MQTT.js), ${brokerName}`, (url, clientId) =>
      nodeMqttConnector({ url, clientId, keepalive: 5, ...fast }), startBroker);
  }
});
