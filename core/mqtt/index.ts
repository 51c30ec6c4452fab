/**
 * MQTT for the core: a dependency-free MQTT 3.1.1 client, the wire policy shared with the Node
 * connector, and the `mqtt` connector. Import from here (`core/mqtt/index.js`).
 *
 * @example
 * import { mqttConnector } from '../core/mqtt/index.js';
 * builder(rt).withConnector(mqttConnector({ url: 'mqtt://10.0.0.2:1883', sockets }));
 */
export * from './packet.js';
export * from './encode.js';
export { MqttDecoder } from './decoder.js';
export { filterError, topicError, hasWildcard, topicMatches } from './topic.js';
export { InflightWindow } from './inflight.js';
export { DupFilter, fnv1a } from './dedup.js';
export type { InflightEntry } from './inflight.js';
export { MqttClient } from './client.js';
export type { MqttClientOptions, MqttClientRuntime, MqttClientStats } from './client.js';
export * from './policy.js';
export { OutboundLink, InboundLink, dispatch, subscriptions } from './links.js';
export type { WireTransport } from './links.js';
export { mqttConnector, parseBrokerUrl, validateMqttLink } from './connector.js';
export type { MqttConnector, MqttConnectorOptions } from './connector.js';
