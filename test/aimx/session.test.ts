import { expect } from 'chai';
import { builder, key, manualRuntime, singleLatest } from '../../core/index.js';
import type { ManualRuntime } from '../../core/index.js';
import { aimxServer, AimxServerOptions, AimxSession } from '../../core/aimx/index.js';
import { Keys, makeDb, recorder } from './fixture.js';

const HELLO = (id: number, extra = '') => `{"t":"req","id":${id},"method":"hello","params":{"version":"3.0","client":"test"${extra}}}`;
const REQ = (id: number, method: string, params: unknown = null) => JSON.stringify({ t: 'req', id, method, params });

/**
 * A session on the fixture database. The server runs with `details` (reasons in `msg`) unless the
 * test says otherwise, so the tests can tell refusals apart; AimDB's bare bytes are tested with
 * `details: false`.
 */
function setup(opts?: AimxServerOptions, dbOpts?: { tick?: boolean }) {
  const rt: ManualRuntime = manualRuntime();
  const db = makeDb(rt, dbOpts);
  db.start();
  const server = aimxServer(db, { details: true, ...opts });
  const link = recorder();
  const s = server.open(link, { transport: 'test' }) as AimxSession;
  const last = () => link.frames[link.frames.length - 1];
  const flush = () => rt.runUntilIdle();
  return { rt, db, server, link, s, last, flush };
}

describe('aimx/session', () => {
  describe('hello', () => {
    it('answers the welcome with permissions and writable records', () => {
      const { s, last } = setup();
      s.receive(HELLO(1));
      expect(last()).to.deep.equal({
        t: 'reply',
        id: 1,
        ok: {
          version: '3.0',
          server: 'aimdb-js',
          permissions: ['read', 'write'],
          writable_records: ['app.setpoint', 'app.cmd', 'log.events'],
          max_subscriptions: 16,
          authenticated: false,
          node_id: 'test-node',
          runtime: 'host',
        },
      });
    });
    it('is read-only with an empty allowlist', () => {
      const { s, last } = setup({ writable: [] });
      s.receive(HELLO(1));
      expect(last().ok.permissions).to.deep.equal(['read']);
      expect(last().ok.writable_records).to.deep.equal([]);
    });
    it('never lists a record with a source or transform as writable, even when allowlisted', () => {
      const { s, last } = setup({ writable: ['sensor.temp', 'sensor.avg', 'app.mode', 'nope'] });
      s.receive(HELLO(1));
      expect(last().ok.writable_records).to.deep.equal(['app.mode']);
    });
    it('refuses another major (compared as text, as AimDB) with version_mismatch and keeps no state', () => {
      const { s, link } = setup();
      s.receive('{"t":"req","id":1,"method":"hello","params":{"version":"2.0","client":"old"}}');
      s.receive('{"t":"req","id":2,"method":"hello","params":{"version":"03.1","client":"padded"}}');
      s.receive('{"t":"req","id":3,"method":"hello","params":{"client":"no-version"}}');
      // AimDB's hello is an ordinary method: a refusal changes nothing, the session serves on.
      s.receive(REQ(4, 'graph.topo_order'));
      s.receive('{"t":"req","id":5,"method":"hello","params":{"version":"3","client":"bare-major"}}');
      expect(link.frames.slice(0, 4)).to.deep.equal([
        { t: 'reply', id: 1, err: 'version_mismatch' },
        { t: 'reply', id: 2, err: 'version_mismatch' },
        { t: 'reply', id: 3, err: 'version_mismatch' },
        { t: 'reply', id: 4, ok: ['sensor.temp', 'sensor.avg', 'sensor.hum', 'app.setpoint', 'app.mode', 'app.cmd', 'log.events'] },
      ]);
      expect(link.frames[4].ok.version).to.equal('3.0');
    });
  });

  describe('auth token', () => {
    it('denies every method and subscription before a hello with the token', () => {
      const { s, link } = setup({ token: 's3cret' });
      s.receive(REQ(1, 'record.list'));
      s.receive('{"t":"sub","id":2,"topic":"#"}');
      s.receive('{"t":"write","topic":"app.setpoint","payload":{"value":1}}');
      s.receive('{"t":"ping"}');
      expect(link.frames).to.deep.equal([
        { t: 'reply', id: 1, err: 'denied', msg: 'hello_required' },
        { t: 'reply', id: 2, err: 'denied', msg: 'hello_required' },
        { t: 'pong' },
      ]);
      expect(s.stats.denied).to.equal(3);
    });
    it('denies a hello with a wrong or missing token', () => {
      const { s, link } = setup({ token: 's3cret' });
      s.receive(HELLO(1, ',"token":"guess"'));
      s.receive(HELLO(2));
      expect(link.frames).to.deep.equal([
        { t: 'reply', id: 1, err: 'denied', msg: 'bad_token' },
        { t: 'reply', id: 2, err: 'denied', msg: 'bad_token' },
      ]);
      expect(s.authenticated).to.equal(false);
    });
    it('accepts the token (as token or AimDB auth_token) and reports authenticated', () => {
      const a = setup({ token: 's3cret' });
      a.s.receive(HELLO(1, ',"token":"s3cret"'));
      expect(a.last().ok.authenticated).to.equal(true);
      a.s.receive(REQ(2, 'graph.topo_order'));
      expect(a.last().ok).to.have.length(7);
      const b = setup({ token: 's3cret' });
      b.s.receive(HELLO(1, ',"auth_token":"s3cret"'));
      expect(b.last().ok.authenticated).to.equal(true);
    });
    it('closes the session after maxAuthFailures bad tokens', () => {
      const { s, link, server } = setup({ token: 's3cret', maxAuthFailures: 2 });
      s.receive(HELLO(1, ',"token":"a"'));
      expect(link.closed).to.equal(0);
      s.receive(HELLO(2, ',"token":"b"'));
      expect(link.closed).to.equal(1);
      expect(s.closed).to.equal(true);
      expect(server.sessionCount).to.equal(0);
    });
    it('does not ask a trusted link (a UART) for the token', () => {
      const { server } = setup({ token: 's3cret' });
      const link = recorder();
      const s = server.open(link, { trusted: true })!;
      s.receive(REQ(1, 'graph.topo_order'));
      expect(link.frames[0].ok).to.have.length(7);
    });
  });

  describe('malformed frames', () => {
    it('answers each with an error and keeps the session', () => {
      const { s, link } = setup();
      s.receive('not json');
      s.receive('{"t":"bogus","id":9}');
      s.receive('{"t":"req","id":4}');
      s.receive('{"t":"reply","id":5,"ok":1}');
      s.frameError('oversize');
      s.receive('{"t":"ping"}');
      expect(link.frames).to.deep.equal([
        { t: 'reply', id: 0, err: 'internal', msg: 'bad_json' },
        { t: 'reply', id: 9, err: 'internal', msg: 'unknown_type' },
        { t: 'reply', id: 4, err: 'internal', msg: 'bad_frame' },
        { t: 'reply', id: 5, err: 'internal', msg: 'unknown_type' },
        { t: 'reply', id: 0, err: 'internal', msg: 'oversize' },
        { t: 'pong' },
      ]);
      expect(s.stats.badFrames).to.equal(5);
    });
    it('answers an unknown method with not_found', () => {
      const { s, last } = setup();
      s.receive(REQ(3, 'record.explode'));
      expect(last()).to.deep.equal({ t: 'reply', id: 3, err: 'not_found', msg: 'unknown_method' });
    });
  });

  describe('record.*', () => {
    it('record.get returns the latest value, not_found when none or unknown', () => {
      const { s, rt, link } = setup();
      rt.advance(200);
      s.receive(REQ(1, 'record.get', { name: 'sensor.temp' }));
      s.receive(REQ(2, 'record.get', { name: 'sensor.avg' }));
      s.receive(REQ(3, 'record.get', { name: 'sensor.hum' }));
      s.receive(REQ(4, 'record.get', { name: 'nope' }));
      s.receive(REQ(5, 'record.get', {}));
      expect(link.frames).to.deep.equal([
        { t: 'reply', id: 1, ok: { celsius: 2 } },
        { t: 'reply', id: 2, ok: { avg: 20 } },
        { t: 'reply', id: 3, err: 'not_found', msg: 'no_value' },
        { t: 'reply', id: 4, err: 'not_found' },
        { t: 'reply', id: 5, err: 'not_found' },
      ]);
    });
    it('record.set writes an allowlisted passive record and echoes it', () => {
      const { s, db, last } = setup();
      s.receive(REQ(1, 'record.set', { name: 'app.setpoint', value: 21.5 }));
      expect(last()).to.deep.equal({ t: 'reply', id: 1, ok: { status: 'success', value: 21.5 } });
      expect(db.peek(Keys.setpoint)).to.equal(21.5);
    });
    it('record.set is denied for non-writable records and records with a producer stage', () => {
      const { s, link, db } = setup({ writable: ['app.setpoint', 'sensor.temp'] });
      s.receive(REQ(1, 'record.set', { name: 'app.mode', value: 'x' }));
      s.receive(REQ(2, 'record.set', { name: 'sensor.temp', value: { celsius: 99 } }));
      s.receive(REQ(3, 'record.set', { name: 'sensor.avg', value: { avg: 1 } }));
      s.receive(REQ(4, 'record.set', { name: 'nope', value: 1 }));
      s.receive(REQ(5, 'record.set', { name: 'app.setpoint' }));
      expect(link.frames).to.deep.equal([
        { t: 'reply', id: 1, err: 'denied', msg: 'not_writable' },
        { t: 'reply', id: 2, err: 'denied', msg: 'not_writable' },
        { t: 'reply', id: 3, err: 'denied', msg: 'not_writable' },
        // AimDB checks writability before existence: an unknown key is denied, not not_found.
        { t: 'reply', id: 4, err: 'denied', msg: 'not_writable' },
        { t: 'reply', id: 5, err: 'internal', msg: 'bad_params' },
      ]);
      expect(db.peek(Keys.mode)).to.equal(undefined);
      expect(s.stats.denied).to.equal(4);
    });
    it('read-only by default when the database marks nothing writable', () => {
      const { s, last } = setup({ writable: [] });
      s.receive(REQ(1, 'record.set', { name: 'app.setpoint', value: 1 }));
      expect(last()).to.deep.equal({ t: 'reply', id: 1, err: 'denied', msg: 'not_writable' });
    });
    it('record.drain returns what accumulated since the previous drain, per connection', () => {
      const { s, server, rt, link } = setup({}, { tick: false });
      const other = recorder();
      const s2 = server.open(other)!;
      s.receive(REQ(1, 'record.drain', { name: 'log.events' })); // opens the cursor
      s2.receive(REQ(1, 'record.drain', { name: 'log.events' }));
      s.receive(REQ(2, 'record.set', { name: 'log.events', value: 'a' }));
      s.receive(REQ(3, 'record.set', { name: 'log.events', value: 'b' }));
      rt.runUntilIdle();
      s.receive(REQ(4, 'record.drain', { name: 'log.events', limit: 1 }));
      s.receive(REQ(5, 'record.drain', { name: 'log.events' }));
      s.receive(REQ(6, 'record.drain', { name: 'log.events' }));
      s2.receive(REQ(2, 'record.drain', { name: 'log.events' }));
      const byId = (id: number) => link.frames.find((f) => f.id === id);
      expect(byId(1).ok).to.deep.equal({ record_name: 'log.events', values: [], count: 0 });
      expect(byId(4).ok).to.deep.equal({ record_name: 'log.events', values: ['a'], count: 1 });
      expect(byId(5).ok).to.deep.equal({ record_name: 'log.events', values: ['b'], count: 1 });
      expect(byId(6).ok).to.deep.equal({ record_name: 'log.events', values: [], count: 0 });
      expect(other.frames[1].ok).to.deep.equal({ record_name: 'log.events', values: ['a', 'b'], count: 2 });
    });
    it('record.drain skips over a lag and refuses mailboxes by default', () => {
      const { s, rt, link, db } = setup({}, { tick: false });
      s.receive(REQ(1, 'record.drain', { name: 'log.events' }));
      for (const v of ['a', 'b', 'c', 'd', 'e']) db.set(Keys.log, v);
      rt.runUntilIdle();
      s.receive(REQ(2, 'record.drain', { name: 'log.events' }));
      s.receive(REQ(3, 'record.drain', { name: 'app.cmd' }));
      expect(link.frames[1].ok).to.deep.equal({ record_name: 'log.events', values: ['c', 'd', 'e'], count: 3 });
      expect(link.frames[2]).to.deep.equal({ t: 'reply', id: 3, err: 'denied', msg: 'mailbox_consumption' });
    });
    it('record.list gives AimDB-shaped rows', () => {
      const { s, rt, last } = setup();
      rt.advance(100);
      s.receive(REQ(1, 'record.list'));
      const rows = last().ok;
      expect(rows).to.have.length(7);
      expect(rows[0]).to.deep.equal({
        record_id: 0,
        record_key: 'sensor.temp',
        name: 'Temperature',
        type_id: 'Temperature',
        origin: 'source',
        buffer_type: 'spmc_ring',
        buffer_capacity: 4,
        producer_count: 1,
        consumer_count: 1,
        writable: false,
        outbound_connector_count: 0,
        entity: 'temp',
        produced_count: 1,
        consumed_count: 1,
        dropped_count: 0,
        rejected_count: 0,
        error_count: 0,
        occupancy: [0, 4],
      });
      expect(rows[1].origin).to.deep.equal({ transform: { input: 'sensor.temp' } });
      expect(rows[3].writable).to.equal(true);
    });
    it('buffer_metrics.reset zeroes counters, denied when read-only', () => {
      const { s, rt, link } = setup();
      rt.advance(300);
      s.receive(REQ(1, 'buffer_metrics.reset'));
      s.receive(REQ(2, 'record.list'));
      expect(link.frames[0]).to.deep.equal({ t: 'reply', id: 1, ok: { reset: true } });
      expect(link.frames[1].ok[0].produced_count).to.equal(0);
      const ro = setup({ writable: [] });
      ro.s.receive(REQ(1, 'buffer_metrics.reset'));
      expect(ro.last()).to.deep.equal({ t: 'reply', id: 1, err: 'denied', msg: 'read_only' });
    });
    it('graph.nodes and graph.edges follow AimDB shapes', () => {
      const { s, link } = setup();
      s.receive(REQ(1, 'graph.nodes'));
      s.receive(REQ(2, 'graph.edges'));
      expect(link.frames[0].ok[1]).to.deep.equal({
        key: 'sensor.avg',
        origin: { transform: { input: 'sensor.temp' } },
        buffer_type: 'single_latest',
        buffer_capacity: 1,
        tap_count: 0,
        has_outbound_link: false,
        inbound: [],
        outbound: [],
      });
      expect(link.frames[1].ok).to.deep.equal([
        { from: null, to: 'sensor.temp', edge_type: 'source' },
        { from: 'sensor.temp', to: 'sensor.avg', edge_type: 'transform' },
      ]);
    });
  });

  describe('write frames', () => {
    it('apply to writable records silently and are dropped otherwise', () => {
      const { s, db, link } = setup();
      s.receive('{"t":"write","topic":"app.setpoint","payload":{"value":7}}');
      s.receive('{"t":"write","topic":"app.mode","payload":{"value":"x"}}');
      s.receive('{"t":"write","topic":"sensor.temp","payload":{"value":{"celsius":1}}}');
      s.receive('{"t":"write","topic":"nope","payload":1}');
      expect(link.frames).to.deep.equal([]);
      expect(db.peek(Keys.setpoint)).to.equal(7);
      expect(db.peek(Keys.mode)).to.equal(undefined);
      expect(s.stats.writes).to.equal(1);
      expect(s.stats.denied).to.equal(3);
    });
    it('accept a bare payload as the value', () => {
      const { s, db } = setup();
      s.receive('{"t":"write","topic":"app.setpoint","payload":3}');
      expect(db.peek(Keys.setpoint)).to.equal(3);
    });
  });

  describe('subscriptions', () => {
    it('exact key: events only, seq from 1, no ack (AimDB on socket transports)', () => {
      const { s, rt, link } = setup();
      rt.advance(100);
      s.receive('{"t":"sub","id":7,"topic":"sensor.temp"}');
      rt.advance(200);
      expect(link.texts).to.deep.equal(['{"t":"event","seq":1,"sub":"7","data":{"celsius":2}}', '{"t":"event","seq":2,"sub":"7","data":{"celsius":3}}']);
    });
    it('exact key with acksSubscribe and snapshots "all": subscribed, snapshot, then events with seq continuing', () => {
      const { s, rt, link } = setup({ acksSubscribe: true, snapshots: 'all' });
      rt.advance(100);
      s.receive('{"t":"sub","id":7,"topic":"sensor.temp"}');
      rt.advance(200);
      expect(link.texts).to.deep.equal([
        '{"t":"subscribed","sub":"7"}',
        '{"t":"snap","seq":1,"last":true,"topic":"sensor.temp","sub":"7","data":{"celsius":1}}',
        '{"t":"event","seq":2,"sub":"7","data":{"celsius":2}}',
        '{"t":"event","seq":3,"sub":"7","data":{"celsius":3}}',
      ]);
    });
    it('WebSocket sessions ack, socket ones do not (as AimDB), unless the server or the session says', () => {
      const { server } = setup();
      const sub = (open: Parameters<typeof server.open>[1]) => {
        const link = recorder();
        server.open(link, open)!.receive('{"t":"sub","id":2,"topic":"app.setpoint"}');
        return link.texts;
      };
      expect(sub({ transport: 'ws' })).to.deep.equal(['{"t":"subscribed","sub":"2"}']);
      expect(sub({ transport: 'tcp' })).to.deep.equal([]);
      expect(sub({ transport: 'unix', acksSubscribe: true })).to.deep.equal(['{"t":"subscribed","sub":"2"}']);
      const all = setup({ acksSubscribe: false });
      const link = recorder();
      all.server.open(link, { transport: 'ws' })!.receive('{"t":"sub","id":2,"topic":"app.setpoint"}');
      expect(link.texts).to.deep.equal([]);
    });
    it('pattern: tags events with the record key and snapshots every covered record', () => {
      const { s, rt, link } = setup();
      rt.advance(100);
      s.receive('{"t":"sub","id":3,"topic":"sensor.*"}');
      rt.advance(100);
      expect(link.frames).to.deep.equal([
        { t: 'snap', seq: 1, topic: 'sensor.temp', sub: '3', data: { celsius: 1 } },
        { t: 'snap', seq: 2, topic: 'sensor.avg', sub: '3', data: { avg: 10 }, last: true },
        { t: 'event', seq: 3, topic: 'sensor.temp', sub: '3', data: { celsius: 2 } },
        { t: 'event', seq: 4, topic: 'sensor.avg', sub: '3', data: { avg: 20 } },
      ]);
    });
    it('SingleLatest: a value set after subscribing arrives once', () => {
      const { s, db, rt, link } = setup({}, { tick: false });
      s.receive('{"t":"sub","id":1,"topic":"app.setpoint"}');
      db.set(Keys.setpoint, 5);
      rt.runUntilIdle();
      expect(link.frames).to.deep.equal([{ t: 'event', seq: 1, sub: '1', data: 5 }]);
    });
    it('counts a reader lag into seq so the client sees the gap', () => {
      const { s, db, rt, link } = setup({}, { tick: false });
      s.receive('{"t":"sub","id":1,"topic":"log.events"}');
      for (const v of ['a', 'b', 'c', 'd', 'e']) db.set(Keys.log, v);
      rt.runUntilIdle();
      const events = link.frames.filter((f) => f.t === 'event');
      // ring(3): a and b were overwritten before the reader ran.
      expect(events.map((e) => [e.seq, e.data])).to.deep.equal([
        [3, 'c'],
        [4, 'd'],
        [5, 'e'],
      ]);
      expect(s.stats.lagged).to.equal(2);
    });
    it('drops events while the transport is backed up, leaving a seq gap', () => {
      const { server, db, rt } = setup({}, { tick: false });
      const link = recorder();
      let open = true;
      link.canSend = () => open;
      const s = server.open(link)!;
      s.receive('{"t":"sub","id":1,"topic":"log.events"}');
      db.set(Keys.log, 'a');
      rt.runUntilIdle();
      open = false;
      db.set(Keys.log, 'b');
      rt.runUntilIdle();
      open = true;
      db.set(Keys.log, 'c');
      rt.runUntilIdle();
      expect(link.frames.filter((f) => f.t === 'event').map((e) => [e.seq, e.data])).to.deep.equal([
        [1, 'a'],
        [3, 'c'],
      ]);
      expect(s.stats.eventsDropped).to.equal(1);
    });
    it('unsub stops events and frees the slot', () => {
      const { s, rt, link, db } = setup();
      s.receive('{"t":"sub","id":1,"topic":"sensor.temp"}');
      rt.advance(100);
      s.receive('{"t":"unsub","sub":"1"}');
      s.receive('{"t":"unsub","sub":"99"}');
      rt.advance(300);
      expect(link.frames.filter((f) => f.t === 'event')).to.have.length(1);
      expect(s.subscriptionCount).to.equal(0);
      expect(db.records()[0].consumerCount).to.equal(1); // only the transform's reader
    });
    it('refuses an unknown key, an empty topic, a mailbox and more than maxSubscriptions', () => {
      const { s, link } = setup({ maxSubscriptions: 2, details: false });
      s.receive('{"t":"sub","id":1,"topic":"nope"}');
      s.receive('{"t":"sub","id":6,"topic":""}');
      s.receive('{"t":"sub","id":2,"topic":"app.cmd"}');
      s.receive('{"t":"sub","id":3,"topic":"app.#"}');
      s.receive('{"t":"sub","id":4,"topic":"sensor.temp"}');
      s.receive('{"t":"sub","id":5,"topic":"sensor.hum"}');
      expect(link.texts).to.deep.equal([
        '{"t":"reply","id":1,"err":"not_found"}',
        '{"t":"reply","id":6,"err":"not_found"}',
        '{"t":"reply","id":2,"err":"denied"}',
        '{"t":"reply","id":5,"err":"denied"}',
      ]);
      expect(s.subscriptionCount).to.equal(2);
    });
    it('a sub under a live id replaces that subscription (as AimDB)', () => {
      const { s, db, rt, link } = setup({}, { tick: false });
      s.receive('{"t":"sub","id":3,"topic":"app.setpoint"}');
      s.receive('{"t":"sub","id":3,"topic":"app.mode"}');
      expect(s.subscriptionCount).to.equal(1);
      db.set(Keys.setpoint, 1);
      db.set(Keys.mode, 'auto');
      rt.runUntilIdle();
      // Only the replacing subscription (app.mode) delivers; app.setpoint's reader is closed.
      expect(link.texts).to.deep.equal(['{"t":"event","seq":1,"sub":"3","data":"auto"}']);
      expect(db.records()[3].consumerCount).to.equal(0);
    });
    it('closing the session closes its readers', () => {
      const { s, db, server } = setup();
      s.receive('{"t":"sub","id":1,"topic":"#"}');
      s.receive(REQ(2, 'record.drain', { name: 'log.events' }));
      expect(db.records()[6].consumerCount).to.equal(2);
      s.close();
      expect(db.records()[6].consumerCount).to.equal(0);
      expect(server.sessionCount).to.equal(0);
    });
  });

  describe('limits', () => {
    it('maxSubscriptions 0 refuses every sub with denied', () => {
      const { s, last } = setup({ maxSubscriptions: 0 });
      s.receive('{"t":"sub","id":1,"topic":"sensor.temp"}');
      expect(last()).to.deep.equal({ t: 'reply', id: 1, err: 'denied', msg: 'too_many_subscriptions' });
    });
    it('refuses connections over maxConnections', () => {
      const { server } = setup({ maxConnections: 2 });
      expect(server.open(recorder())).to.not.equal(null);
      expect(server.open(recorder())).to.equal(null);
      expect(server.refused).to.equal(1);
      expect(JSON.parse(server.refusalFrame())).to.deep.equal({ t: 'reply', id: 0, err: 'denied', msg: 'too_many_connections' });
      const bare = setup({ maxConnections: 1, details: false });
      expect(bare.server.refusalFrame()).to.equal('{"t":"reply","id":0,"err":"denied"}');
    });
  });
});

describe('aimx/session on a persistent link', () => {
  it('a new hello drops the previous client’s subscriptions and drain cursors', () => {
    const rt = manualRuntime();
    const db = makeDb(rt, { tick: false });
    db.start();
    const server = aimxServer(db);
    const link = recorder();
    const s = server.open(link, { trusted: true })!;
    s.receive(HELLO(1));
    s.receive('{"t":"sub","id":2,"topic":"log.events"}');
    s.receive(REQ(3, 'record.drain', { name: 'log.events' }));
    expect(db.records()[6].consumerCount).to.equal(2);
    s.receive(HELLO(1));
    expect(s.subscriptionCount).to.equal(0);
    expect(db.records()[6].consumerCount).to.equal(0);
  });
});

describe('aimx/session token on a persistent link', () => {
  it('a failed hello de-authenticates and drops the earlier client’s subscriptions', () => {
    const rt = manualRuntime();
    const db = makeDb(rt, { tick: false });
    db.start();
    const server = aimxServer(db, { token: 'k', details: true });
    const link = recorder();
    const s = server.open(link)!;
    s.receive(HELLO(1, ',"token":"k"'));
    s.receive('{"t":"sub","id":2,"topic":"log.events"}');
    s.receive(HELLO(3, ',"token":"x"'));
    s.receive(REQ(4, 'record.list'));
    expect(s.subscriptionCount).to.equal(0);
    expect(link.frames[link.frames.length - 1]).to.deep.equal({ t: 'reply', id: 4, err: 'denied', msg: 'hello_required' });
  });
});

describe('aimx/session write policy on link-fed records', () => {
  it('allows an allowlisted record fed by an inbound link (no source or transform)', () => {
    const rt = manualRuntime();
    const Cmd = key<number>('dev.cmd', 'Cmd');
    const connector = { schemes: ['test'], start() {}, stop() {} };
    const db = builder(rt)
      .withConnector(connector)
      .configure(Cmd, (r) =>
        r
          .buffer(singleLatest())
          .linkFrom('test://cmd')
          .withDeserializer((_c, p) => Number(p))
          .finish()
          .remote(),
      )
      .build();
    db.start();
    const link = recorder();
    const s = aimxServer(db, { writable: ['dev.cmd'] }).open(link)!;
    s.receive(REQ(1, 'record.set', { name: 'dev.cmd', value: 3 }));
    expect(link.frames[0]).to.deep.equal({ t: 'reply', id: 1, ok: { status: 'success', value: 3 } });
  });
});

describe('aimx/session AimDB dispatch parity', () => {
  it('skips malformed frames without an answer (AimDB) and keeps serving', () => {
    const { s, link } = setup({ details: false });
    s.receive('not json');
    s.receive('{"t":"bogus","id":9}');
    s.receive('{"t":"req","id":4}');
    s.receive('{"t":"req","id":4.5,"method":"record.list"}');
    s.receive('{"t":"req","id":6,"method":"record.list","seq":"x"}');
    s.receive('{"t":"reply","id":5,"ok":1}');
    s.frameError('oversize');
    s.receive('{"t":"ping"}');
    expect(link.texts).to.deep.equal(['{"t":"pong"}']);
    expect(s.stats.badFrames).to.equal(7);
  });
  it('error replies are AimDB\'s bytes: no msg', () => {
    const { s, link } = setup({ details: false, writable: [] });
    s.receive(REQ(1, 'record.explode'));
    s.receive(REQ(2, 'record.set', { name: 'app.setpoint', value: 1 }));
    s.receive(REQ(3, 'record.set', { name: 'app.setpoint' }));
    s.receive(REQ(4, 'buffer_metrics.reset'));
    expect(link.texts).to.deep.equal([
      '{"t":"reply","id":1,"err":"not_found"}',
      '{"t":"reply","id":2,"err":"denied"}',
      '{"t":"reply","id":3,"err":"internal"}',
      '{"t":"reply","id":4,"err":"denied"}',
    ]);
  });
  it('record.query answers internal without a history store', () => {
    const { s, link } = setup({ details: false });
    s.receive(REQ(1, 'record.query', { name: 'sensor.*', limit: 5 }));
    expect(link.texts).to.deep.equal(['{"t":"reply","id":1,"err":"internal"}']);
  });
  it('record.query goes to the installed handler with AimDB\'s parameter defaults', () => {
    const { s, server, link } = setup({ details: false });
    const seen: unknown[] = [];
    let later: ((e: string | null, r?: unknown) => void) | null = null;
    server.queryHandler = (q, done) => {
      seen.push(q);
      if (q.name === 'slow') later = done;
      else if (q.name === 'bad') done('disk full');
      else done(null, { records: [], total: 0 });
    };
    s.receive(REQ(1, 'record.query', {}));
    s.receive(REQ(2, 'record.query', { name: 'sensor.#', limit: 2, start: 10, end: 20.5 }));
    s.receive(REQ(3, 'record.query', { name: 'bad' }));
    s.receive(REQ(4, 'record.query', { name: 'slow', limit: -1 }));
    expect(seen).to.deep.equal([{ name: '#' }, { name: 'sensor.#', limit: 2, start: 10 }, { name: 'bad' }, { name: 'slow' }]);
    expect(link.texts).to.deep.equal([
      '{"t":"reply","id":1,"ok":{"records":[],"total":0}}',
      '{"t":"reply","id":2,"ok":{"records":[],"total":0}}',
      '{"t":"reply","id":3,"err":"internal"}',
    ]);
    later!(null, [1]);
    later!(null, [2]); // a second answer is ignored
    expect(link.texts.slice(3)).to.deep.equal(['{"t":"reply","id":4,"ok":[1]}']);
  });
  it('profiling.reset zeroes the stage counters, denied when read-only', () => {
    const { s, db, rt, link } = setup({ details: false });
    rt.advance(300);
    expect(db.schedulerStats().delivered).to.be.greaterThan(0);
    s.receive(REQ(1, 'profiling.reset'));
    expect(link.texts).to.deep.equal(['{"t":"reply","id":1,"ok":{"reset":true}}']);
    expect(db.schedulerStats().delivered).to.equal(0);
    const ro = setup({ details: false, writable: [] });
    ro.s.receive(REQ(1, 'profiling.reset'));
    expect(ro.link.texts).to.deep.equal(['{"t":"reply","id":1,"err":"denied"}']);
  });
  it('record.get on a ring: non-destructive latest by default, AimDB\'s drain cursor with ringGet "drain"', () => {
    const ours = setup({ details: false }, { tick: false });
    ours.db.set(Keys.log, 'a');
    ours.s.receive(REQ(1, 'record.get', { name: 'log.events' }));
    ours.s.receive(REQ(2, 'record.get', { name: 'log.events' }));
    expect(ours.link.texts).to.deep.equal(['{"t":"reply","id":1,"ok":"a"}', '{"t":"reply","id":2,"ok":"a"}']);

    const aimdb = setup({ details: false, ringGet: 'drain' }, { tick: false });
    aimdb.db.set(Keys.log, 'a');
    aimdb.s.receive(REQ(1, 'record.get', { name: 'log.events' })); // cursor opens at the tail
    aimdb.db.set(Keys.log, 'b');
    aimdb.db.set(Keys.log, 'c');
    aimdb.s.receive(REQ(2, 'record.get', { name: 'log.events' }));
    aimdb.s.receive(REQ(3, 'record.get', { name: 'log.events' }));
    aimdb.s.receive(REQ(4, 'record.drain', { name: 'log.events' }));
    expect(aimdb.link.texts).to.deep.equal([
      '{"t":"reply","id":1,"err":"not_found"}',
      '{"t":"reply","id":2,"ok":"c"}',
      '{"t":"reply","id":3,"err":"not_found"}',
      '{"t":"reply","id":4,"ok":{"record_name":"log.events","values":[],"count":0}}',
    ]);
  });
  it('record.drain reads limit as AimDB (a non-negative integer, else no limit)', () => {
    const { s, db, link } = setup({ details: false }, { tick: false });
    s.receive(REQ(1, 'record.drain', { name: 'log.events' }));
    db.set(Keys.log, 'a');
    db.set(Keys.log, 'b');
    s.receive(REQ(2, 'record.drain', { name: 'log.events', limit: 1.5 }));
    expect(link.texts[1]).to.equal('{"t":"reply","id":2,"ok":{"record_name":"log.events","values":["a","b"],"count":2}}');
  });
});
