/**
 * What the core MQTT client ({@link MqttClient}) does with each packet a broker sends: one small
 * function per packet type, chosen by a table indexed by the type, instead of one long if-chain.
 * Every handler runs inside the socket's data callback and never throws.
 */
import { encodeAck } from './encode.js';
import {
  CONNACK, MqttPacket, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, UNSUBACK,
} from './packet.js';
import { topicMatches } from './topic.js';
import type { MqttClient } from './client.js';
import { CONNECTED, CONNECTING } from './client-options.js';

type Handler = (c: MqttClient, p: MqttPacket) => void;

/** CONNACK: accepted → connected; the session present flag says what survives (see the client's module comment). */
function onConnack(c: MqttClient, p: MqttPacket): void {
  if (c._state !== CONNECTING) return c._drop('unexpected CONNACK');
  if (p.code !== 0) {
    c._rt.log.warn('mqtt ' + c._clientId + ': CONNACK refused, code ' + p.code);
    return c._drop('connack ' + p.code);
  }
  const now = c._rt.now();
  c._connectDue = -1;
  c._state = CONNECTED;
  c._attempts = 0;
  c._connectedAt = now;
  c._lastRecv = now;
  c.stats.connects++;
  if (c._keepMs > 0) c._keepaliveDue = now + c._keepMs - Math.ceil(c._keepMs / 4);
  if (p.sessionPresent) {
    // The broker kept the session: unacknowledged publishes go again with DUP and their ids (§4.4),
    // inbound QoS 2 ids stay (a PUBREL may still come), and what was delivered may come again.
    c.stats.retransmits += c._inflight.retransmit(now, 0, c._writeFn);
    if (c._dups) c._dups.resumed();
  } else {
    // A new session knows nothing of the old one (§3.1.2-6): no DUP, no PUBREL, no old ids.
    c._qos2Ids.splice(0, c._qos2Ids.length);
    if (c._dups) c._dups.reset();
    const before = c._inflight.size;
    const renewed = c._inflight.renew(now, c._resend, c._writeFn);
    c.stats.renewed += renewed;
    c.stats.published += renewed;
    if (!c._resend) c.stats.lost += before - c._inflight.size;
  }
  c._armRetry();
  c._arm();
  // Every subscription, always: never trust the broker's session.
  for (let i = 0; i < c._subs.length; i++) c._sendSubscribe(c._subs[i]);
  const gen = c._gen;
  if (c._onConnect) c._call(c._onConnect, p.sessionPresent);
  if (gen === c._gen) c._writable();
}

/** True when a subscription without `atMostOnce` matches `topic`. */
function wantsEveryCopy(c: MqttClient, topic: string): boolean {
  for (let i = 0; i < c._subs.length; i++) {
    const s = c._subs[i];
    if (!s.once && topicMatches(s.filter, topic)) return true;
  }
  return false;
}

/** PUBLISH: acknowledge by QoS, then deliver unless it is a copy nobody asked for. */
function onPublish(c: MqttClient, p: MqttPacket): void {
  c.stats.received++;
  let deliver = true;
  let redelivered = false;
  if (p.qos === 1) {
    c._write(encodeAck(PUBACK, p.id));
    if (c._dups && c._dups.isDuplicate(p.id, p.topic, p.payload || [], p.dup)) {
      redelivered = true;
      c.stats.redeliveries++;
      if (!wantsEveryCopy(c, p.topic)) {
        deliver = false;
        c.stats.duplicates++;
      }
    }
  } else if (p.qos === 2) {
    // Method B (§4.3.3 figure 4.3): deliver now, remember the id until PUBREL so a DUP is not
    // delivered twice. The memory is bounded: beyond qos2Window ids the oldest is forgotten.
    const ids = c._qos2Ids;
    if (ids.indexOf(p.id) >= 0) deliver = false;
    else {
      if (ids.length >= c._qos2Window) ids.shift();
      ids.push(p.id);
    }
    c._write(encodeAck(PUBREC, p.id));
  }
  if (deliver && c._onMessage) c._call(c._onMessage, p.topic, p.payload, p.qos, p.retain, redelivered);
}

/** PUBACK, PUBREC, PUBCOMP: the in-flight window moves on; a freed slot flushes the queue. */
function onAck(c: MqttClient, p: MqttPacket): void {
  const wasFull = c._inflight.full();
  const reply = c._inflight.ack(p.type, p.id, c._rt.now());
  if (reply) c._write(reply);
  if (wasFull && !c._inflight.full()) c._writable();
}

/** PUBREL: the inbound QoS 2 exchange is over; its id may be used for a new message. */
function onPubrel(c: MqttClient, p: MqttPacket): void {
  const i = c._qos2Ids.indexOf(p.id);
  if (i >= 0) c._qos2Ids.splice(i, 1);
  c._write(encodeAck(PUBCOMP, p.id));
}

/** SUBACK: record the granted QoS; a refusal is counted and logged. */
function onSuback(c: MqttClient, p: MqttPacket): void {
  for (let i = 0; i < c._subs.length; i++) {
    const s = c._subs[i];
    if (s.pendingId !== p.id) continue;
    s.pendingId = 0;
    s.granted = (p.granted as number[])[0];
    if (s.granted === 128) {
      c.stats.subackFailures++;
      c._rt.log.warn('mqtt subscription refused: ' + s.filter);
    }
  }
}

/** UNSUBACK, PINGRESP: nothing more (any packet already cleared the ping timer). */
function onNothing(): void {}

const HANDLERS: Array<Handler | null> = [];
HANDLERS[CONNACK] = onConnack;
HANDLERS[PUBLISH] = onPublish;
HANDLERS[PUBACK] = onAck;
HANDLERS[PUBREC] = onAck;
HANDLERS[PUBREL] = onPubrel;
HANDLERS[PUBCOMP] = onAck;
HANDLERS[SUBACK] = onSuback;
HANDLERS[UNSUBACK] = onNothing;
HANDLERS[PINGRESP] = onNothing;

/** Hands a decoded packet to its handler. Before CONNACK only CONNACK is allowed (§3.2). */
export function handlePacket(c: MqttClient, p: MqttPacket): void {
  if (p.type !== CONNACK && c._state !== CONNECTED) return c._drop('packet before CONNACK');
  const h = HANDLERS[p.type];
  // The decoder lets through only the types listed above; anything else closes the connection.
  if (h) h(c, p);
  else c._drop('unexpected packet type ' + p.type);
}
