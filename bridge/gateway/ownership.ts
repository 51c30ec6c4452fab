/**
 * Ownership across nodes (CONTRACT §9): every key has exactly one authoritative
 * producer, also when several nodes share a broker.
 *
 * Each node keeps one retained claims document at `<prefix>/$owners/<nodeId>`:
 * `{"node":"edge-1","since":1732270000000,"topics":{"aimdb/pico/actuator/position":"pico.actuator.position",…},"refused":[…]}`,
 * listing the MQTT topics it produces (its outbound links) and the keys behind them. The document is
 * published on a dedicated connection whose **last will clears it** (an empty retained message), so a
 * node that dies releases its claims; the node's main connection keeps its own will for the
 * `<prefix>/<nodeId>/status` topic (MQTT allows one will per connection, hence two connections).
 *
 * Every node subscribes to `<prefix>/$owners/+`. When two documents claim one topic, both nodes
 * detect it (log + `conflicts` counter). The earlier claim wins (`since`, then node id); by default
 * the other node refuses to produce there: its outbound link drops the values (counted in the link's
 * `dropped`) and lists the topic under `refused`, so the owner keeps reporting the contest.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Database, Payload } from '../../core/index.js';

/** Claims dated before this (2024-01-01) are refused as forged. */
const MIN_CLAIM_TIME = Date.UTC(2024, 0, 1);
/** How far ahead of this node's clock a claim may be dated. */
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000;
/** Topics one claims document may list. */
const MAX_CLAIMED_TOPICS = 10000;

/** A node's claims document. */
export interface ClaimsDocument {
  node: string;
  since: number;
  /** topic → record key. */
  topics: { [topic: string]: string };
  /** Topics this node refuses to produce because another node owns them. */
  refused: string[];
}

/** A detected conflict. */
export interface OwnershipConflict {
  topic: string;
  /** Our key behind the topic. */
  key: string;
  /** The other node. */
  other: string;
  /** Who keeps producing. */
  owner: string;
}

/** Options of {@link OwnershipGuard}. */
export interface OwnershipOptions {
  url: string;
  prefix: string;
  nodeId: string;
  /** Refuse to produce a topic another node owns (default true). */
  refuse?: boolean;
  /** Extra MQTT.js options for the claims connection (credentials, TLS). */
  connect?: mqtt.IClientOptions;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/** Claims this node's outbound MQTT topics and watches everyone else's. */
export class OwnershipGuard {
  readonly conflicts: OwnershipConflict[] = [];
  /** Values not sent because the topic belongs to another node. */
  refusedValues = 0;
  private client: MqttClient | null = null;
  private doc: ClaimsDocument;
  private others = new Map<string, ClaimsDocument>();
  private refused = new Set<string>();
  private gates = new Map<string, { refused: boolean }>();

  private gateFor(topic: string): { refused: boolean } {
    let g = this.gates.get(topic);
    if (!g) {
      g = { refused: false };
      this.gates.set(topic, g);
    }
    return g;
  }
  private readonly topic: string;

  constructor(private readonly o: OwnershipOptions) {
    this.doc = { node: o.nodeId, since: Date.now(), topics: {}, refused: [] };
    this.topic = `${o.prefix}/$owners/${o.nodeId}`;
  }

  /**
   * Claims the database's outbound MQTT topics and starts watching. Wraps each outbound route's
   * `send` (set by the connector at `db.start()`) so that a refused topic drops its values.
   */
  async start(db: Database): Promise<void> {
    for (const route of db.routes().outbound) {
      if (route.link.scheme !== 'mqtt' && route.link.scheme !== 'mqtts') continue;
      const topic = route.link.address;
      this.doc.topics[topic] = route.key;
      const send = route.send;
      if (!send) continue;
      // One flag per topic, set when claims change, so the per-message check is a property read.
      const gate = this.gateFor(topic);
      route.send = (payload: Payload, value: unknown, seq: number) => {
        if (gate.refused) {
          this.refusedValues++;
          route.metrics.dropped++;
          return;
        }
        send(payload, value, seq);
      };
    }
    this.client = await mqtt.connectAsync(this.o.url, {
      clientId: `aimdb-owners-${this.o.nodeId}`,
      clean: true,
      reconnectPeriod: 1000,
      will: { topic: this.topic, payload: Buffer.alloc(0), retain: true, qos: 1 },
      ...this.o.connect,
    });
    this.client.on('message', (topic, payload) => this.onClaims(topic, payload));
    this.client.on('connect', () => void this.publish());
    await this.client.subscribeAsync(`${this.o.prefix}/$owners/+`, { qos: 1 });
    await this.publish();
  }

  private async publish(): Promise<void> {
    this.doc.refused = [...this.refused].sort();
    await this.client?.publishAsync(this.topic, JSON.stringify(this.doc), { retain: true, qos: 1 }).catch(() => {});
  }

  private onClaims(topic: string, payload: Buffer): void {
    const node = topic.slice(topic.lastIndexOf('/') + 1);
    if (node === this.o.nodeId) return;
    if (payload.length === 0) {
      // Released (its will, or a clean stop): forget it, and take back what we refused for it.
      this.others.delete(node);
      this.reconsider();
      return;
    }
    let doc: ClaimsDocument;
    try {
      doc = JSON.parse(payload.toString('utf8')) as ClaimsDocument;
      if (typeof doc.node !== 'string' || typeof doc.since !== 'number' || typeof doc.topics !== 'object' || doc.topics === null) throw new Error('not a claims document');
      // A document speaks for the node named in its topic only, and a claim dated before this
      // software existed (`since: 0`) or in the future would win every contest: both are forgeries.
      if (doc.node !== node) throw new Error(`claims for '${String(doc.node).slice(0, 40)}' on the topic of '${node}'`);
      if (!(doc.since >= MIN_CLAIM_TIME && doc.since <= Date.now() + MAX_CLOCK_SKEW_MS)) throw new Error(`implausible claim time ${doc.since}`);
      if (Object.keys(doc.topics).length > MAX_CLAIMED_TOPICS) throw new Error(`more than ${MAX_CLAIMED_TOPICS} topics`);
    } catch (e) {
      this.o.log('warn', `ignoring a malformed claims document on ${topic}: ${(e as Error).message}`);
      return;
    }
    this.others.set(node, doc);
    this.reconsider();
  }

  /** Recomputes conflicts and refusals from every known document. */
  private reconsider(): void {
    const refusedBefore = new Set(this.refused);
    this.refused.clear();
    for (const [topic, key] of Object.entries(this.doc.topics)) {
      for (const other of this.others.values()) {
        if (!Object.prototype.hasOwnProperty.call(other.topics, topic)) continue;
        const weWin = this.doc.since < other.since || (this.doc.since === other.since && this.doc.node < other.node);
        const owner = weWin ? this.doc.node : other.node;
        if (!this.conflicts.some((c) => c.topic === topic && c.other === other.node)) {
          this.conflicts.push({ topic, key, other: other.node, owner });
          this.o.log('warn', `ownership conflict on '${topic}' (${key}): also produced by node '${other.node}'; owner is '${owner}'${!weWin && this.o.refuse !== false ? ', refusing to produce it here' : ''}`);
        }
        if (!weWin && this.o.refuse !== false) this.refused.add(topic);
      }
    }
    for (const [topic, g] of this.gates) g.refused = this.refused.has(topic);
    const changed = this.refused.size !== refusedBefore.size || [...this.refused].some((t) => !refusedBefore.has(t));
    if (changed) {
      for (const t of refusedBefore) if (!this.refused.has(t)) this.o.log('info', `topic '${t}' released by its owner: producing it again`);
      void this.publish();
    }
  }

  /** Topics this node currently refuses. */
  refusedTopics(): string[] {
    return [...this.refused].sort();
  }

  /** Clears the claims document (a clean stop releases like the will) and disconnects. */
  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (!c) return;
    // Bounded: a dead connection must not hold the shutdown (its will releases the claims anyway).
    const within = <T>(p: Promise<T>, ms: number) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);
    if (c.connected) await within(c.publishAsync(this.topic, Buffer.alloc(0), { retain: true, qos: 1 }), 1000);
    await within(c.endAsync(!c.connected), 1000);
  }
}
