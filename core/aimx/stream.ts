/**
 * AimX over a byte stream (CONTRACT §6, "Serial"): each frame's UTF-8 text is COBS-encoded and
 * terminated by one 0x00. Used by an MCU to serve AimX over its UART and by the gateway to talk to
 * it (Node `serialport`, or a simulated line). Corrupted frames are dropped and counted; an
 * undelimited run over the frame limit is discarded, answered with an `oversize` error, and the
 * reader resynchronises at the next 0x00.
 */
import { ByteStream, ByteStreamHandlers, utf8Decode } from '../bytes.js';
import { COBS_MAX_FRAME, CobsFrameReader, cobsEncodeText } from '../codec/cobs.js';
import type { AimxClient } from './client.js';
import type { AimxServer, SessionOpenOptions } from './server.js';
import type { AimxSession } from './session.js';

/** Options of {@link CobsLink}. */
export interface CobsLinkOptions {
  /** Largest encoded frame, in bytes. Default 8192. */
  maxFrame?: number;
  /** Called when an undelimited run over `maxFrame` was discarded. */
  onOversize?(): void;
}

/**
 * Frames text messages over a {@link ByteStream} with COBS. It is the stream's handler object:
 * open the port with it, then {@link CobsLink.attach} the stream the port returned.
 *
 * @example
 * const link = new CobsLink((text) => client.receive(text));
 * link.attach(uart.open(link));
 * link.send('{"t":"ping"}');
 */
export class CobsLink implements ByteStreamHandlers {
  readonly reader: CobsFrameReader;
  /** Frames sent. */
  sent: number;
  _stream: ByteStream | null;
  _onMessage: (text: string) => void;
  /** Set by the owner: called when the stream closes. */
  onClosed: ((error?: string) => void) | null;
  /** Set by the owner: called when the stream (re)connects. */
  onOpened: (() => void) | null;

  constructor(onMessage: (text: string) => void, options?: CobsLinkOptions) {
    const o = options || {};
    const self = this;
    this._onMessage = onMessage;
    this._stream = null;
    this.sent = 0;
    this.onClosed = null;
    this.onOpened = null;
    this.reader = new CobsFrameReader({
      maxFrame: o.maxFrame || COBS_MAX_FRAME,
      onFrame: function (bytes, n) {
        self._onMessage(utf8Decode(bytes, 0, n));
      },
      onDrop: function (reason) {
        if (reason === 'overflow' && o.onOversize) o.onOversize();
      },
    });
  }

  /** Binds the open stream that outgoing frames are written to. */
  attach(stream: ByteStream): void {
    this._stream = stream;
  }

  /** Sends one message (UTF-8, COBS, 0x00) as a binary string. Dropped when no stream is attached. */
  send(text: string): void {
    if (!this._stream) return;
    this.sent++;
    this._stream.write(cobsEncodeText(text));
  }

  /** Closes the stream. */
  close(): void {
    if (this._stream) this._stream.close();
  }

  onData(chunk: string | ArrayLike<number>): void {
    this.reader.push(chunk);
  }

  onConnect(): void {
    this.reader.reset();
    if (this.onOpened) this.onOpened();
  }

  onClose(error?: string): void {
    this._stream = null;
    if (this.onClosed) this.onClosed(error);
  }
}

/**
 * Serves AimX on a byte stream: one session per attached stream. A UART is a point-to-point link
 * the operator wires, so the session is `trusted` (no token) unless `options.trusted` is false.
 *
 * @example
 * const link = serveAimxOnStream(server);
 * link.attach(Serial1Stream.open(link)); // the MCU now answers AimX over its UART
 */
export function serveAimxOnStream(server: AimxServer, options?: SessionOpenOptions & CobsLinkOptions): CobsLink & { session: AimxSession | null } {
  const o = options || {};
  const holder: { session: AimxSession | null } = { session: null };
  const link = new CobsLink(
    function (text: string) {
      if (holder.session) holder.session.receive(text);
    },
    {
      maxFrame: o.maxFrame,
      onOversize: function () {
        if (holder.session) holder.session.frameError('oversize');
      },
    },
  ) as CobsLink & { session: AimxSession | null };
  link.session = null;
  const baseAttach = link.attach;
  function open() {
    if (link.session) link.session.close();
    link.session = holder.session = server.open(
      { send: function (t: string) { link.send(t); }, close: function () { link.close(); } },
      { transport: o.transport || 'serial', peer: o.peer, trusted: o.trusted !== false },
    );
  }
  link.attach = function (stream: ByteStream) {
    baseAttach.call(link, stream);
    open();
  };
  link.onClosed = function () {
    if (link.session) link.session.close();
    link.session = holder.session = null;
  };
  return link;
}

/**
 * A client on a byte stream: a {@link CobsLink} whose messages feed `client`, which sends through
 * it. Closing the stream fails the client's pending requests.
 */
export function aimxClientLink(client: AimxClient, options?: CobsLinkOptions): CobsLink {
  const link = new CobsLink(function (text: string) {
    client.receive(text);
  }, options);
  client._send = function (text: string) {
    link.send(text);
  };
  link.onClosed = function (error?: string) {
    client.close(error || 'stream closed');
  };
  return link;
}
