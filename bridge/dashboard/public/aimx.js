// A small AimX v3 client over a browser WebSocket (CONTRACT §7): request/reply correlation,
// subscriptions with seq-gap counting, ping, and reconnection with backoff. On every (re)connect it
// sends `hello` first and then calls `onReady`, which re-issues the page's requests and `sub`s.

/** Error of a `reply {err}`: `code` is `not_found`, `denied`, `internal` or `version_mismatch`. */
export class AimxError extends Error {
  constructor(code, msg) {
    super(code + (msg ? ': ' + msg : ''));
    this.code = code;
  }
}

/**
 * @param {string} url  ws:// or wss:// endpoint
 * @param {{client?: string, token?: string, onReady?: (hello: object) => void,
 *          onState?: (state: 'connecting'|'open'|'closed', detail?: string) => void}} opts
 */
export class AimxSocket {
  constructor(url, opts) {
    this.url = url;
    this.opts = opts || {};
    this.nextId = 1;
    this.pending = new Map();
    this.subs = new Map();
    this.gaps = 0;
    this.events = 0;
    this.ws = null;
    this.backoff = 500;
    this.stopped = false;
    this.pingTimer = 0;
    /** True between a successful `hello` and the connection's end. */
    this.ready = false;
  }

  start() {
    this.stopped = false;
    this._connect();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pingTimer);
    if (this.ws) this.ws.close(1000);
  }

  _state(s, detail) {
    if (this.opts.onState) this.opts.onState(s, detail);
  }

  _connect() {
    this._state('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this._retry(String(e));
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.backoff = 500;
      const params = { version: '3.0', client: this.opts.client || 'dashboard' };
      if (this.opts.token) params.token = this.opts.token;
      this.request('hello', params).then(
        (hello) => {
          this.ready = true;
          this._state('open', hello.server + ' ' + hello.version);
          clearInterval(this.pingTimer);
          this.pingTimer = setInterval(() => this._send({ t: 'ping' }), 15000);
          if (this.opts.onReady) this.opts.onReady(hello);
        },
        (err) => {
          this._state('closed', 'hello refused: ' + err.message);
          this.stopped = err.code === 'version_mismatch' || err.code === 'denied';
          ws.close(1000);
        },
      );
    };
    ws.onmessage = (ev) => this._frame(ev.data);
    ws.onclose = () => {
      this.ready = false;
      clearInterval(this.pingTimer);
      for (const p of this.pending.values()) p.reject(new AimxError('internal', 'connection closed'));
      this.pending.clear();
      this.subs.clear();
      if (this.ws === ws) this.ws = null;
      this._retry('connection closed');
    };
    ws.onerror = () => {};
  }

  _retry(detail) {
    if (this.stopped) {
      this._state('closed', detail);
      return;
    }
    this._state('connecting', detail + '; retrying in ' + Math.round(this.backoff / 100) / 10 + ' s');
    setTimeout(() => {
      if (!this.stopped) this._connect();
    }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, 5000);
  }

  _send(obj) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(obj));
  }

  /** Sends `req {id, method, params}`; resolves with `ok`, rejects with an {@link AimxError}. */
  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this._send({ t: 'req', id, method, params: params || {} });
    });
  }

  /**
   * Subscribes to `topic` (exact key, `*`, `#`). `onData(topic, data, kind)` gets every snap/event;
   * gaps in `seq` are added to `this.gaps`.
   */
  subscribe(topic, onData) {
    const id = this.nextId++;
    this.subs.set(String(id), { topic, onData, seq: 0 });
    this._send({ t: 'sub', id, topic });
    return String(id);
  }

  _frame(text) {
    let f;
    try {
      f = JSON.parse(text);
    } catch (e) {
      return;
    }
    if (!f || typeof f !== 'object') return;
    switch (f.t) {
      case 'reply': {
        const p = this.pending.get(f.id);
        if (!p) {
          // A reply to no request of ours: a refusal of a frame, or of the connection itself.
          if (f.err) this.subs.delete(String(f.id));
          return;
        }
        this.pending.delete(f.id);
        if (f.err) p.reject(new AimxError(f.err, f.msg));
        else p.resolve(f.ok);
        return;
      }
      case 'snap':
      case 'event': {
        const s = this.subs.get(f.sub);
        if (!s) return;
        if (typeof f.seq === 'number') {
          if (f.seq > s.seq + 1) this.gaps += f.seq - s.seq - 1;
          if (f.seq > s.seq) s.seq = f.seq;
        }
        this.events++;
        s.onData(f.topic || s.topic, f.data, f.t);
        return;
      }
      default:
        return; // subscribed, pong
    }
  }
}
