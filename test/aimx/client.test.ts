import { expect } from 'chai';
import { manualRuntime } from '../../core/index.js';
import { AimxClient, aimxServer, SubscriptionUpdate } from '../../core/aimx/index.js';
import { Keys, makeDb } from './fixture.js';

/** Client and server wired back to back in memory; frames cross synchronously. */
function pair(opts?: { token?: string; tick?: boolean }) {
  const rt = manualRuntime();
  const db = makeDb(rt, { tick: opts?.tick });
  db.start();
  // Acks and exact-key snapshots on (as our WebSocket sessions can be), so the client sees every frame type.
  const server = aimxServer(db, { token: opts?.token, acksSubscribe: true, snapshots: 'all' });
  const toClient: string[] = [];
  let client!: AimxClient;
  const session = server.open({ send: (t) => client.receive(t), close: () => client.close('server closed') })!;
  client = new AimxClient((t) => session.receive(t), { runtime: rt, timeoutMs: 1000 });
  return { rt, db, server, session, client, toClient };
}

describe('aimx/client', () => {
  describe('call', () => {
    it('correlates replies with requests by id', () => {
      const { client } = pair();
      const got: unknown[] = [];
      client.hello('t', undefined, (err, w: any) => got.push(err ?? w.version));
      client.call('graph.topo_order', null, (err, r: any) => got.push(err ?? r.length));
      client.call('record.get', { name: 'nope' }, (err) => got.push(err!.code + ':' + (err!.details as any).wire));
      expect(got).to.deep.equal(['3.0', 7, 'NOT_FOUND:not_found']);
    });
    it('times out through the runtime timers', () => {
      const rt = manualRuntime();
      const client = new AimxClient(() => {}, { runtime: rt, timeoutMs: 500 });
      let err: any = null;
      client.call('record.list', null, (e) => (err = e));
      rt.advance(499);
      expect(err).to.equal(null);
      rt.advance(1);
      expect(err.code).to.equal('TIMEOUT');
    });
    it('fails pending calls and subscriptions on close', () => {
      const client = new AimxClient(() => {});
      const errs: string[] = [];
      client.call('record.list', null, (e) => errs.push(e!.code));
      client.subscribe('a', { onUpdate: () => {}, onError: (e) => errs.push(e.code) });
      client.close();
      client.call('record.list', null, (e) => errs.push(e!.code));
      expect(errs).to.deep.equal(['CLOSED', 'CLOSED', 'CLOSED']);
    });
    it('reports a refused hello token as DENIED', () => {
      const { client } = pair({ token: 'k' });
      let code = '';
      client.hello('t', 'wrong', (e) => (code = e!.code));
      expect(code).to.equal('DENIED');
    });
  });

  describe('subscribe', () => {
    it('delivers snapshots then events, with seq', () => {
      const { client, rt } = pair();
      rt.advance(100);
      const ups: SubscriptionUpdate[] = [];
      let acked = false;
      client.subscribe('sensor.temp', { onUpdate: (u) => ups.push(u), onSubscribed: () => (acked = true) });
      rt.advance(100);
      expect(acked).to.equal(true);
      expect(ups).to.deep.equal([
        { topic: 'sensor.temp', value: { celsius: 1 }, seq: 1, skipped: 0, snapshot: true, last: true },
        { topic: 'sensor.temp', value: { celsius: 2 }, seq: 2, skipped: 0, snapshot: false, last: false },
      ]);
    });
    it('numbers a snapshot without seq (an AimDB server before snapshots were numbered) after the last one', () => {
      const { client } = pair({ tick: false });
      const ups: SubscriptionUpdate[] = [];
      client.subscribe('app.#', { onUpdate: (u) => ups.push(u) });
      const id = Object.keys(client._subs)[0];
      client.receive(`{"t":"snap","topic":"app.mode","sub":"${id}","data":"x"}`);
      client.receive(`{"t":"event","seq":2,"topic":"app.mode","sub":"${id}","data":"y"}`);
      expect(ups.map((u) => [u.seq, u.skipped, u.snapshot])).to.deep.equal([
        [1, 0, true],
        [2, 0, false],
      ]);
    });
    it('detects seq gaps and drops stale events', () => {
      const client = new AimxClient(() => {});
      const ups: SubscriptionUpdate[] = [];
      const sub = client.subscribe('x.#', { onUpdate: (u) => ups.push(u) });
      client.receive('{"t":"event","seq":1,"topic":"x.a","sub":"1","data":1}');
      client.receive('{"t":"event","seq":4,"topic":"x.b","sub":"1","data":4}');
      client.receive('{"t":"event","seq":3,"topic":"x.b","sub":"1","data":3}');
      client.receive('{"t":"event","seq":5,"sub":"1","data":5}');
      expect(ups.map((u) => [u.seq, u.skipped, u.topic])).to.deep.equal([
        [1, 0, 'x.a'],
        [4, 2, 'x.b'],
        [5, 0, 'x.#'],
      ]);
      expect(sub.gaps).to.equal(2);
      expect(client.stats.gaps).to.equal(2);
      expect(client.stats.outOfOrder).to.equal(1);
    });
    it('reports a refused subscription through onError', () => {
      const { client } = pair();
      let err: any;
      client.subscribe('nope', { onUpdate: () => {}, onError: (e) => (err = e) });
      expect(err.code).to.equal('NOT_FOUND');
    });
    it('close sends unsub and stops delivery', () => {
      const { client, rt, session } = pair();
      const ups: unknown[] = [];
      const sub = client.subscribe('sensor.temp', { onUpdate: (u) => ups.push(u.value) });
      rt.advance(100);
      sub.close();
      rt.advance(300);
      expect(ups).to.deep.equal([{ celsius: 1 }]);
      expect(session.subscriptionCount).to.equal(0);
    });
  });

  describe('write and ping', () => {
    it('writes with the {"value": v} payload and pings', () => {
      const { client, db } = pair({ tick: false });
      client.write('app.setpoint', 42);
      let pongs = 0;
      client.ping(() => pongs++);
      client.ping(() => pongs++);
      expect(db.peek(Keys.setpoint)).to.equal(42);
      expect(pongs).to.equal(2);
    });
    it('counts frames it cannot use', () => {
      const client = new AimxClient(() => {});
      client.receive('garbage');
      client.receive('{"t":"req","id":1,"method":"x"}');
      client.receive('{"t":"reply","id":99,"ok":1}');
      expect(client.stats.badFrames).to.equal(3);
    });
  });
});
