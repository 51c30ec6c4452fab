/**
 * Opt-in persistence of SingleLatest values (configuration, set-points) to Espruino's `Storage`, so
 * that a reboot resumes with the last value. Writes are debounced: flash pages wear out, and a value
 * that changes ten times a second must not be written ten times a second.
 */
import type { Reader, RecordKey, RuntimeAdapter } from '../../core/index.js';
import { espRequire, EspruinoStorage } from './globals.js';

/** The part of the database persistence uses (structural, so any database object fits). */
export interface LatestStore {
  set<T>(key: RecordKey<T>, value: T): void;
  subscribe<T>(key: RecordKey<T>): Reader<T>;
}

/** Options of {@link persistLatest}. */
export interface PersistOptions {
  /** Runtime adapter (timers for the debounce). Required. */
  runtime: RuntimeAdapter;
  /** Storage file name (≤ 28 chars on Espruino). Default `'aimdb.latest'`. */
  file?: string;
  /** Delay in ms between a change and the flash write; changes in between are merged. Default `5000`. */
  debounceMs?: number;
  /** The Storage module (tests, simulator); default `require('Storage')`. */
  storage?: EspruinoStorage;
}

/** A running persistence. */
export interface Persistence {
  /** Keys restored from flash at start. */
  readonly restored: string[];
  /** Flash writes done so far. */
  readonly writes: number;
  /** Writes pending changes now. */
  flush(): void;
  /** Flushes, then stops listening. */
  stop(): void;
}

/**
 * Restores the saved values of `keys` into `db` (with `db.set`, so the records must have no source or
 * transform), then saves every new value. Call it after `build()` and before or after `start()`.
 *
 * @example
 * const db = b.build();
 * persistLatest(db, [Keys.config], { runtime: rt });
 * db.start();
 */
export function persistLatest(db: LatestStore, keys: Array<RecordKey<any>>, options: PersistOptions): Persistence {
  const rt = options.runtime;
  const file = options.file || 'aimdb.latest';
  const debounce = options.debounceMs === undefined ? 5000 : options.debounceMs;
  const storage = options.storage || espRequire<EspruinoStorage>('Storage');
  if (!storage) throw new Error("persist: this board has no 'Storage' module");
  const saved = (storage.readJSON(file, true) || {}) as { [key: string]: unknown };
  const snapshot: { [key: string]: unknown } = {};
  const readers: Array<Reader<any>> = [];
  let timer: unknown = undefined;
  let dirty = false;
  function flush() {
    if (timer !== undefined) rt.clearTimer(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    if (storage!.writeJSON(file, snapshot)) state.writes++;
    else rt.log('error', 'persist', 'Storage write failed for ' + file);
  }

  function stop() {
    flush();
    for (let i = 0; i < readers.length; i++) readers[i].close();
    readers.splice(0, readers.length);
  }

  function watch(name: string, reader: Reader<any>) {
    reader.each(function (value: unknown) {
      if (snapshot[name] === value) return;
      snapshot[name] = value;
      dirty = true;
      if (timer === undefined) {
        timer = rt.setTimer(function () {
          timer = undefined;
          flush();
        }, debounce);
      }
    });
    readers.push(reader);
  }

  // Declared after the functions: Espruino does not hoist (ENGINES.md §1).
  const state = { restored: [] as string[], writes: 0, flush: flush, stop: stop };
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (saved.hasOwnProperty(k.name)) {
      snapshot[k.name] = saved[k.name];
      try {
        db.set(k, saved[k.name]);
        state.restored.push(k.name);
      } catch (e) {
        rt.log('warn', 'persist', 'cannot restore ' + k.name + ': ' + String(e));
      }
    }
    watch(k.name, db.subscribe(k));
  }
  return state;
}
