import { expect } from 'chai';
import {
  PING_FRAME,
  PONG_FRAME,
  encodeEvent,
  encodeReplyErr,
  encodeReplyOk,
  encodeReq,
  encodeSnap,
  encodeSub,
  encodeSubscribed,
  encodeUnsub,
  encodeWrite,
  parseFrame,
  versionCompatible,
} from '../../core/aimx/index.js';

describe('aimx/frame', () => {
  // Golden frames: the contents of AimDB's own codec tests (aimdb-dev/aimdb,
  // aimdb-core/src/session/aimx/codec.rs: request_roundtrip, subscribe_and_unsubscribe_roundtrip,
  // write_roundtrip_splices_payload_verbatim, reply_ok_roundtrip, reply_err_codes_roundtrip,
  // event_roundtrip_with(out)_topic, snapshot_roundtrip_carries_sub_and_topic, ping_pong_roundtrip),
  // written as the bytes its serde `Frame` produces: fields in declaration order
  // t,id,seq,last,method,topic,sub,params,payload,data,ok,err, absent ones skipped, raw values
  // spliced verbatim. Copied as data.
  describe('encoders (golden frames, AimDB field order)', () => {
    const golden: Array<[string, string]> = [
      [encodeReq(7, 'record.get', '{"name":"temp"}'), '{"t":"req","id":7,"method":"record.get","params":{"name":"temp"}}'],
      [encodeReq(1, 'record.get', '{"name":"temp"}'), '{"t":"req","id":1,"method":"record.get","params":{"name":"temp"}}'],
      [encodeReq(2, 'record.list'), '{"t":"req","id":2,"method":"record.list","params":null}'],
      [encodeReplyOk(11, '{"status":"success"}'), '{"t":"reply","id":11,"ok":{"status":"success"}}'],
      [encodeReplyErr(1, 'not_found'), '{"t":"reply","id":1,"err":"not_found"}'],
      [encodeReplyErr(1, 'denied'), '{"t":"reply","id":1,"err":"denied"}'],
      [encodeReplyErr(1, 'internal', 'bad_json'), '{"t":"reply","id":1,"err":"internal","msg":"bad_json"}'],
      [encodeReplyErr(1, 'version_mismatch'), '{"t":"reply","id":1,"err":"version_mismatch"}'],
      [encodeSub(3, 'sensors.#'), '{"t":"sub","id":3,"topic":"sensors.#"}'],
      [encodeSubscribed('3'), '{"t":"subscribed","sub":"3"}'],
      [encodeSnap('8', 1, 'temp.berlin', '{"c":18.0}', false), '{"t":"snap","seq":1,"topic":"temp.berlin","sub":"8","data":{"c":18.0}}'],
      [encodeSnap('8', 2, 'temp.vienna', '21.5', true), '{"t":"snap","seq":2,"last":true,"topic":"temp.vienna","sub":"8","data":21.5}'],
      [encodeEvent('5', 2, null, '42'), '{"t":"event","seq":2,"sub":"5","data":42}'],
      [encodeEvent('5', 9, 'temp.vienna', '{"c":21.5}'), '{"t":"event","seq":9,"topic":"temp.vienna","sub":"5","data":{"c":21.5}}'],
      [encodeUnsub('3'), '{"t":"unsub","sub":"3"}'],
      [encodeWrite('cfg', '{"value":{"level":9}}'), '{"t":"write","topic":"cfg","payload":{"value":{"level":9}}}'],
      [encodeReplyErr(1, 'internal'), '{"t":"reply","id":1,"err":"internal"}'],
      [PING_FRAME, '{"t":"ping"}'],
      [PONG_FRAME, '{"t":"pong"}'],
    ];
    golden.forEach(([got, want]) => {
      it('encodes ' + want, () => {
        expect(got).to.equal(want);
        expect(parseFrame(got).error).to.equal('');
      });
    });
    it('escapes strings in topics and methods', () => {
      expect(encodeSub(1, 'a"b\\c')).to.equal('{"t":"sub","id":1,"topic":"a\\"b\\\\c"}');
      expect(parseFrame(encodeSub(1, 'a"b\\c')).frame!.topic).to.equal('a"b\\c');
    });
  });

  describe('parseFrame', () => {
    it('returns the frame of each message type', () => {
      expect(parseFrame('{"t":"req","id":7,"method":"record.get","params":{"name":"x"}}').frame).to.deep.equal({ t: 'req', id: 7, method: 'record.get', params: { name: 'x' } });
      expect(parseFrame('{"t":"reply","id":7,"err":"denied"}').frame!.err).to.equal('denied');
      expect(parseFrame('{"t":"reply","id":7,"ok":null}').frame!.ok).to.equal(null);
      expect(parseFrame('{"t":"reply","id":7,"ok":0}').frame!.ok).to.equal(0);
      expect(parseFrame('{"t":"event","sub":"3","seq":4,"data":1}').frame!.seq).to.equal(4);
      expect(parseFrame('{"t":"snap","sub":"3","seq":1,"topic":"a","data":1,"last":true}').frame!.last).to.equal(true);
      expect(parseFrame('{"t":"write","topic":"a","payload":{"value":1}}').frame!.payload).to.deep.equal({ value: 1 });
      expect(parseFrame('{"t":"unsub","sub":"3"}').frame!.sub).to.equal('3');
      expect(parseFrame('{"t":"subscribed","sub":"3"}').frame!.sub).to.equal('3');
      expect(parseFrame('{"t":"ping"}').frame).to.deep.equal({ t: 'ping' });
      // An empty topic is well-formed (AimDB decodes it; the subscription is then not_found).
      expect(parseFrame('{"t":"sub","id":2,"topic":""}').frame!.topic).to.equal('');
      expect(parseFrame('{"t":"pong"}').frame).to.deep.equal({ t: 'pong' });
    });

    const malformed: Array<[string, string, number]> = [
      ['', 'bad_json', 0],
      ['{', 'bad_json', 0],
      ['nope', 'bad_json', 0],
      ['[1,2]', 'bad_json', 0],
      ['null', 'bad_json', 0],
      ['42', 'bad_json', 0],
      ['"req"', 'bad_json', 0],
      ['{}', 'bad_frame', 0],
      ['{"t":5,"id":3}', 'bad_frame', 3],
      ['{"t":"hello","id":4}', 'unknown_type', 4],
      ['{"t":"REQ","id":4,"method":"x"}', 'unknown_type', 4],
      ['{"t":"req","id":4}', 'bad_frame', 4],
      ['{"t":"req","id":"4","method":"x"}', 'bad_frame', 0],
      ['{"t":"req","id":-1,"method":"x"}', 'bad_frame', 0],
      ['{"t":"req","id":1.5,"method":"x"}', 'bad_frame', 0],
      ['{"t":"req","method":"x"}', 'bad_frame', 0],
      ['{"t":"sub","id":2}', 'bad_frame', 2],
      ['{"t":"req","id":6,"method":"x","seq":"a"}', 'bad_frame', 6],
      ['{"t":"ping","last":1}', 'bad_frame', 0],
      ['{"t":"unsub","sub":"3","method":5}', 'bad_frame', 0],
      ['{"t":"sub","id":2,"topic":7}', 'bad_frame', 2],
      ['{"t":"unsub","sub":3}', 'bad_frame', 0],
      ['{"t":"write","payload":1}', 'bad_frame', 0],
      ['{"t":"event","sub":"1","data":1}', 'bad_frame', 0],
      ['{"t":"event","sub":"1","seq":1,"topic":5,"data":1}', 'bad_frame', 0],
      ['{"t":"snap","sub":"1","seq":1,"data":1}', 'bad_frame', 0],
      ['{"t":"reply","id":1}', 'bad_frame', 1],
    ];
    malformed.forEach(([text, error, id]) => {
      it('rejects ' + JSON.stringify(text) + ' as ' + error, () => {
        const r = parseFrame(text);
        expect(r.frame).to.equal(null);
        expect(r.error).to.equal(error);
        expect(r.id).to.equal(id);
      });
    });
  });

  describe('versionCompatible', () => {
    const table: Array<[unknown, boolean]> = [
      ['3.0', true],
      ['3.7', true],
      ['3', true],
      ['2.0', false],
      ['1.0', false],
      ['4.0', false],
      ['', false],
      ['.0', false],
      ['garbage', false],
      ['03.1', false],
      ['3abc.0', false],
      [undefined, false],
      [3, false],
    ];
    table.forEach(([v, ok]) => {
      it((ok ? 'accepts ' : 'refuses ') + JSON.stringify(v), () => expect(versionCompatible(v)).to.equal(ok));
    });
  });
});
