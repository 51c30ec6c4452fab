/**
 * The gateway's MQTT connector (MQTT.js 5). See connector.ts.
 *
 * @example
 * import { nodeMqttConnector } from '../bridge/mqtt/index.js';
 */
export { nodeMqttConnector } from './connector.js';
export type { NodeMqttConnector, NodeMqttConnectorOptions, NodeMqttStats } from './connector.js';
