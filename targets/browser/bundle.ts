/**
 * Entry of `dist/aimdb-browser.js`: the core's public API, its MQTT connector and this target, as
 * one global `AimDB` for a plain `<script>` tag (no module loader, no build step in the page).
 */
export * from '../../core/index.js';
export { mqttConnector } from '../../core/mqtt/index.js';
export type { MqttConnector, MqttConnectorOptions } from '../../core/mqtt/index.js';
export * from './index.js';
