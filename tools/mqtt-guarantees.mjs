/**
 * The MQTT client section of docs/GUARANTEES.md, from `artifacts/mqtt-client.json` (written by the
 * MQTT client suites: test/mqtt/interop.test.ts, the connector suite, test/mqtt/espruino.test.ts).
 * Every figure is the one the named test measured and asserted in that run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The section's lines, or a note saying how to produce the figures.
 * @param {string} root the repository root
 * @returns {string[]}
 */
export function mqttClientSection(root) {
  const file = resolve(root, 'artifacts/mqtt-client.json');
  const out = ['## MQTT client (core/mqtt): delivery per QoS and per buffer', ''];
  if (!existsSync(file)) {
    out.push('No figures (artifacts/mqtt-client.json): run `make guarantees`.', '');
    return out;
  }
  const { figures: f, updated, node } = JSON.parse(readFileSync(file, 'utf8'));
  /** One figure per broker (or connector and broker): "aedes: 1; mosquitto: 2". */
  const per = (scenario, name) => {
    const s = f[scenario];
    if (!s) return '—';
    return Object.entries(s).map(([where, v]) => `${where}: ${v[name] === undefined ? '—' : v[name]}`).join('; ');
  };
  out.push(
    `Measured by \`test/mqtt/interop.test.ts\` (the core client on Node sockets), the connector suite ` +
      `(\`test/mqtt/connectors.test.ts\`: the core connector and the Node connector) and ` +
      `\`test/mqtt/espruino.test.ts\` (the core client on the real Espruino engine), against aedes and mosquitto on ` +
      `127.0.0.1, on Node ${node}, last recorded ${updated}. Faults are made by a proxy that drops a chosen packet or ` +
      'cuts the connection at it. Each count below is asserted by the test that measured it (the bound in brackets).',
    '',
    '### Per QoS',
    '',
    '| QoS | Sent; connection lost before the acknowledgement; the broker kept the session | Same; the broker starts a new session (clean session, or session lost) | Received; our acknowledgement lost; the broker sends it again |',
    '|---|---|---|---|',
    '| 0 | At most once: nothing is kept or sent again. | Same. | Not acknowledged, never sent again. |',
    `| 1 | At least once: sent again with DUP and the same packet id (no timed retry with \`retryMs: 0\`). Copies the subscriber received: ${per('lost-puback', 'received')} [1–2]. | At least once: sent again as a new message (new packet id, no DUP), never resumed; \`resendOnNewSession: false\` drops and counts it (\`stats.lost\`) instead. Copies received: ${per('clean-reconnect', 'q1Received')} (clean session), ${per('lost-session', 'q1Received')} (session lost) [1–2]. | At least once: delivered again, flagged \`redelivered\`. Deliveries: ${per('redelivery', 'delivered')} [= 2]. With an at-most-once subscription it is acknowledged and dropped: deliveries ${per('redelivery-once', 'delivered')} [= 1]. |`,
    `| 2 | Exactly once: sent again with DUP and the same id, then PUBREL. Copies received: ${per('lost-pubrec', 'received')} [= 1]. | Past PUBREC the broker owns the message: complete, no PUBREL in the new session. Copies received: ${per('clean-reconnect', 'q2Received')} (clean session), ${per('lost-session', 'q2Received')} (session lost) [= 1]. Still waiting for PUBREC: sent again as a new message, at least once (client.test.ts). | Exactly once: the packet id is kept until PUBREL (at most \`qos2Window\`, default 8). Deliveries: ${per('redelivery-qos2', 'delivered')} [= 1]. |`,
    '',
    'Overlapping subscriptions are the broker\'s choice (MQTT 3.1.1 §3.3.5): copies delivered for one publish matching two ' +
      `filters: ${per('overlapping', 'copies')}; QoS of the copies: ${per('overlapping', 'qos')}.`,
    '',
    '### Per buffer kind (the links of both MQTT connectors)',
    '',
    '| Buffer | Inbound QoS | A redelivery of a message already delivered | Outbound |',
    '|---|---|---|---|',
    `| **SingleLatest** | 1 | Delivered again (at least once; a state value is idempotent). Deliveries of one redelivered publish: ${per('connector-redelivery', 'singleLatestDelivered')} [= 2]. | QoS 1, retained; in flight when a new session starts: sent again. |`,
    `| **Mailbox** | 1 | Dropped (at most once: a command must not run twice). Deliveries: ${per('connector-redelivery', 'mailboxDelivered')} [= 1]. Per link: \`atMostOnce\` option or \`?once=true|false\`; a redelivery is recognised by packet id, topic and payload, so two equal commands meant to run twice should carry an id. | QoS 1, not retained. |`,
    '| **SpmcRing** | 0 | — (QoS 0 is never sent again). | QoS 0 with the sequence envelope: losses are counted as gaps. |',
    '',
    '### Keepalive and reconnect',
    '',
    `- Keepalive 2 s: PINGREQs sent in 4.5 s: ${per('keepalive', 'pings')}; longest silence from the client: ${per('keepalive', 'maxGapMs')} ms [< 2000]. The client pings once three quarters of the period pass without traffic.`,
    `- Real Espruino (16,383-JsVar build; the program evaluated into RAM as on an ESP32, or booted from flash as on a Pico): first connection after start ${per('espruino-reconnect', 'connectMs')} ms; connected again with its subscription after a broker restart within ${per('espruino-reconnect', 'reconnectAfterRestartMs')} ms. JsVars in use, connected with one subscription, whole program: ${per('espruino-reconnect', 'jsVarsConnected')}; reached from the client object (its state, sockets, callbacks, methods): ${per('espruino-reconnect', 'clientJsVars')}; peak ${per('espruino-reconnect', 'peakJsVars')}.`,
    '',
  );
  return out;
}
