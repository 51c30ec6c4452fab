/**
 * The program the Espruino MQTT test runs on the real engine (ES5, bundled like a board bundle): the
 * core's MQTT client on `targets/espruino/tcp.ts` sockets, with a minimal runtime of its own (the
 * engine's `getTime`/`setTimeout`/`print`), so what it measures is the client.
 *
 * It subscribes to `<root>/cmd` (QoS 1), announces each connection on `<root>/hello` (QoS 1), and
 * answers each command with `ack:<command>` on `<root>/echo` (QoS 1). It prints one line per event
 * (`connect <n> <sessionPresent>`, `cmd <text> q<qos>`, `close <reason>`), and once connected with
 * its subscription granted `mem <JsVars in use>` and `client <JsVars the client reaches>`. `AIMDB_MQTT_PORT` and `AIMDB_MQTT_ROOT` come from a prelude.
 */
import { MqttClient } from '../../../core/mqtt/client.js';
import type { MqttClientRuntime } from '../../../core/mqtt/client-options.js';
import { utf8Decode } from '../../../core/bytes.js';
import { espruinoSockets } from '../../../targets/espruino/tcp.js';
import { espClearTimeout, espGetTime, espMemory, espPrint, espSetTimeout, espSizeOf } from '../../../targets/espruino/globals.js';

declare const AIMDB_MQTT_PORT: number;
declare const AIMDB_MQTT_ROOT: string;

function log(message: string): void {
  espPrint(message);
}

const rt: MqttClientRuntime = {
  now: function () {
    return espGetTime() * 1000;
  },
  after: function (ms: number, fn: () => void) {
    const id = espSetTimeout(fn, ms);
    return {
      cancel: function () {
        espClearTimeout(id);
      },
    };
  },
  log: { debug: log, info: log, warn: log, error: log },
};

const root = AIMDB_MQTT_ROOT;
let connects = 0;
let measured = false;
const client = new MqttClient(espruinoSockets(), rt, {
  host: '127.0.0.1', port: AIMDB_MQTT_PORT, clientId: 'esp-' + root.length, keepalive: 10,
  reconnectMinMs: 200, reconnectMaxMs: 1000, reconnectJitter: 0,
  will: { topic: root + '/status', payload: 'offline', qos: 1, retain: false },
  onConnect: function (sessionPresent) {
    connects++;
    espPrint('connect ' + connects + ' ' + sessionPresent);
    client.publish(root + '/hello', 'connect ' + connects, 1, false);
  },
  onClose: function (reason) {
    espPrint('close ' + reason);
  },
  onMessage: function (topic, payload, qos) {
    const text = utf8Decode(payload);
    espPrint('cmd ' + text + ' q' + qos);
    client.publish(root + '/echo', 'ack:' + text, 1, false);
  },
});
client.subscribe(root + '/cmd', 1);
client.start();

// Memory once connected with the subscription granted and nothing in flight (process.memory()
// collects garbage first).
function sample(): void {
  if (!measured && client.connected && client.granted(root + '/cmd') === 1 && client.inflight === 0) {
    measured = true;
    espPrint('mem ' + espMemory().usage);
    espPrint('client ' + espSizeOf(client));
    return;
  }
  if (!measured) espSetTimeout(sample, 50);
}
sample();
