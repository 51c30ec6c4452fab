/**
 * The harness's results file, `artifacts/guarantees.json` (git-ignored): every fault scenario records
 * what it measured as it runs; `tools/guarantees.mjs` turns the file into docs/GUARANTEES.md.
 *
 * Shape: `{ schema: 1, updated, node, scenarios: { <id>: ScenarioResult } }`. A scenario that runs
 * again replaces its entry; other entries are kept, so suites may run one at a time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the file lives (repo root / artifacts). */
export const RESULTS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../artifacts/guarantees.json');

/** SingleLatest figures of one scenario. */
export interface LatestResult {
  /** Time from the end of the fault (link restored) to the last value seen by the reader, ms. */
  convergenceMs: number;
  /** The bound the test asserts, ms. */
  boundMs: number;
  converged: boolean;
}

/** Mailbox figures of one scenario. */
export interface MailboxResult {
  /** Commands issued. */
  sent: number;
  /** Commands the device executed. */
  delivered: number;
  /** Commands executed more than once (must be 0). */
  duplicates: number;
  /** The last command issued was executed. */
  latestDelivered: boolean;
  /** Commands lost (issued, never executed): allowed, but only ones overwritten by a newer one. */
  lost: number;
}

/** Ring figures: every value is received or counted under one cause. */
export interface RingResult {
  produced: number;
  received: number;
  gaps: {
    /** Overwritten in a ring before a slow reader (device session, gateway link) read it. */
    ringOverwrite: number;
    /** Dropped from a link's bounded offline queue. */
    offlineQueueDrop: number;
    /** Lost between sender and receiver (QoS 0 in flight, corrupted serial frames). */
    inTransit: number;
    /** Dropped by the sender because the receiver's connection was backed up (AimX high-water mark). */
    sendBufferFull?: number;
    /** Held in the sender's RAM (its link's offline queue) when its power was cut, as the sender's link
     *  counters showed at the cut: no receiver can count these (the sequence restarts at boot). */
    lostAtPowerOff?: number;
  };
  /** received + sum(gaps) === produced. */
  accounted: boolean;
  /** Values received but not what was sent (undetected corruption), when the scenario checks. */
  corrupted?: number;
}

/** One scenario. */
export interface ScenarioResult {
  title: string;
  /** What was broken: `partition`, `broker-restart`, `serial-noise`, … */
  fault: string;
  /** Where: `gateway↔broker`, `board↔broker`, `device→gateway serial`, … */
  path: string;
  broker?: 'aedes' | 'mosquitto' | 'none';
  /** How long the fault lasted, ms. */
  faultMs?: number;
  single_latest?: LatestResult;
  mailbox?: MailboxResult;
  spmc_ring?: RingResult;
  /** Memory: largest offline queue seen, heap growth, … */
  memory?: { [k: string]: number };
  /** Anything else worth printing (counters). */
  figures?: { [k: string]: number | string | boolean };
  notes?: string[];
  passed: boolean;
  durationMs: number;
}

interface ResultsFile {
  schema: 1;
  updated: string;
  node: string;
  scenarios: { [id: string]: ScenarioResult & { recordedAt: string } };
}

function load(): ResultsFile {
  try {
    const f = JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
    if (f && f.schema === 1 && f.scenarios) return f;
  } catch {
    /* absent or unreadable: start over */
  }
  return { schema: 1, updated: '', node: process.version, scenarios: {} };
}

/** Records (replaces) one scenario's result. Written at once, so a later failure keeps it. */
export function recordScenario(id: string, result: ScenarioResult): void {
  const f = load();
  const now = new Date().toISOString();
  f.updated = now;
  f.node = process.version;
  f.scenarios[id] = { ...result, recordedAt: now };
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const tmp = RESULTS_FILE + '.' + process.pid + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify(f, null, 2) + '\n');
  fs.renameSync(tmp, RESULTS_FILE);
}

/** Builds a ring result and its `accounted` flag. */
export function ringResult(produced: number, received: number, gaps: RingResult['gaps'], corrupted?: number): RingResult {
  const r: RingResult = { produced, received, gaps, accounted: received + gaps.ringOverwrite + gaps.offlineQueueDrop + gaps.inTransit + (gaps.sendBufferFull ?? 0) + (gaps.lostAtPowerOff ?? 0) === produced };
  if (corrupted !== undefined) r.corrupted = corrupted;
  return r;
}
