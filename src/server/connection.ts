import type { Socket } from 'node:net';
import { EOT } from '../protocol/constants.js';
import { FrameDecoder, FrameKind } from '../protocol/frame-decoder.js';
import type { IdleReaper } from './idle-reaper.js';
import type { OutputBudget } from './output-budget.js';
import { countRecvFrames, UnsentChunks, unsentSocketBytes } from './unsent-output.js';
import type { StatusQueue } from './status-queue.js';

export interface ConnectionHandler {
  /**
   * One frame from the peer: `bytes[start, end)`, EOT removed, or an oversized frame that
   * was dropped (`kind` is `FrameKind.Oversized`). The bytes are valid only during the call.
   */
  frame(connection: Connection, kind: FrameKind, bytes: Buffer, start: number, end: number): void;
  /**
   * Called once, as soon as the connection can take no more frames nor messages: quit,
   * the peer hung up, or it was destroyed. Its user is offline from here on.
   */
  offline(connection: Connection): void | Promise<void>;
  /** Called once, when the socket has closed. */
  closed(connection: Connection): void;
  /** Called just before a peer that stopped reading is closed for holding more unsent output than `maxOutputBytes`. */
  slowConsumer(connection: Connection): void;
}

export interface ConnectionLimits {
  readonly maxFrameBytes: number;
  readonly maxOutputBytes: number;
  /** Above this much unsent output, reading stops until the socket drains. */
  readonly outputHighWaterMark: number;
}

/**
 * What the connections of one server share: who answers their frames, their limits, the
 * output budget, the idle reaper's sweep count, a spare decoder.
 */
export class ConnectionGroup {
  readonly handler: ConnectionHandler;
  readonly limits: ConnectionLimits;
  readonly budget: OutputBudget<Connection>;
  readonly reaper: IdleReaper<Connection>;
  /** Output one connection may produce in one turn before the others get theirs. */
  readonly fairShareBytes: number;
  #spareDecoder: FrameDecoder | undefined;

  constructor(handler: ConnectionHandler, limits: ConnectionLimits, budget: OutputBudget<Connection>, reaper: IdleReaper<Connection>) {
    this.handler = handler;
    this.limits = limits;
    this.budget = budget;
    this.reaper = reaper;
    this.fairShareBytes = Math.min(FAIR_SHARE_BYTES, limits.outputHighWaterMark);
  }

  /**
   * An empty decoder for one read. Most reads end on a frame boundary, so one decoder lent
   * in turn serves every such connection; only one that stops mid-frame keeps its own.
   */
  lendDecoder(): FrameDecoder {
    const decoder = this.#spareDecoder ?? new FrameDecoder(this.limits);
    this.#spareDecoder = undefined;
    return decoder;
  }

  /** Takes back a decoder that holds nothing. */
  returnDecoder(decoder: FrameDecoder): void {
    this.#spareDecoder = decoder;
  }
}

// Lingering after `quit` or a half-close is bounded, for a peer that never reads or closes.
const LINGER_MS = 2_000;
// Small enough to come from node's shared buffer pool; a busy connection's next buffer is sized by its last.
const MIN_OUTPUT_BYTES = 256;
// A turn that has produced this much output yields to the other connections: `get contacts` is ~1,000 bytes out per byte in.
const FAIR_SHARE_BYTES = 16 * 1024;
// Messages this short are copied byte by byte: Buffer#copy with offsets allocates a view per call.
const SHORT_COPY_BYTES = 64;

const CONNECTION = Symbol('sup.connection');
type ServerSocket = Socket & { [CONNECTION]?: Connection };

/**
 * One client socket: frames in, bytes out. While one read is answered, everything written
 * to each connection is gathered into one buffer and handed to its socket in one write,
 * the reader's own last, so a `recv` leaves before the status of the send that queued it.
 * Reading pauses while the socket holds more unsent output than its high-water mark, so a
 * client that pipelines without reading is never buffered without bound.
 */
export class Connection {
  // Connections holding gathered output; written out at the end of each read, or else on the next tick.
  static readonly #pending: Connection[] = [];
  static #flushScheduled = false;
  // The connection whose frames are being answered: its own output waits for everyone else's.
  static #reader: Connection | undefined;

  readonly socket: Socket;
  /** The logged-in name, or undefined before login. */
  username: string | undefined;
  /** `recv <username> `, encoded the first time this user sends. */
  recvPrefix: Buffer | undefined;
  /** The connection this one last sent to: most senders keep talking to the same user. */
  lastRecipient: Connection | undefined;
  /** Cancels this connection's login timeout; the server's to set. */
  loginTicket = 0;
  /** The idle reaper's sweep count when this peer last sent anything (or drained output). */
  seenInSweep: number;
  /** Bytes counted for this connection in the output budget; the budget's to change. */
  budgeted = 0;
  /** In cluster mode, while some of its statuses are awaited from other nodes: the server's to set. */
  statuses: StatusQueue | undefined;

  readonly #group: ConnectionGroup;
  readonly #limits: ConnectionLimits;
  // Only while it holds something between reads (a partial frame, frames left unread while paused).
  #decoder: FrameDecoder | undefined;
  #out: Buffer | undefined;
  #outLength = 0;
  // The first frame of a tick is held as given, not copied: a lone reply (a login's status) allocates nothing.
  #outBorrowed = false;
  #outSizeHint = MIN_OUTPUT_BYTES;
  #ending = false;
  #isOffline = false;
  #isClosed = false;
  #drainListening = false;
  // Set while the answer to a frame is awaited (a cluster login): later frames wait, unread.
  #suspended = false;
  #endRead = false;
  #lingerTimer: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;
  // Only while the socket holds output the kernel has not taken: what it holds, to count its messages.
  #unsentChunks: UnsentChunks | undefined;
  // Paused for a turn so other connections get theirs; resumes on the next event-loop turn.
  #yielded = false;

  constructor(socket: Socket, group: ConnectionGroup) {
    this.socket = socket;
    this.#group = group;
    this.#limits = group.limits;
    this.seenInSweep = group.reaper.sweep;
    (socket as ServerSocket)[CONNECTION] = this;
    // Shared functions rather than closures: an idle connection should cost little more than its socket.
    socket.on('data', Connection.#onData);
    socket.on('error', Connection.#onError);
    // Every frame before the peer's FIN has been answered by now (a paused socket defers 'end').
    socket.on('end', Connection.#onEnd);
    socket.on('close', Connection.#onClose);
  }

  static #of(socket: Socket): Connection {
    return (socket as ServerSocket)[CONNECTION]!;
  }

  static #onData(this: Socket, chunk: Buffer): void {
    Connection.#of(this).#read(chunk);
  }

  static #onError(this: Socket): void {
    Connection.#of(this).destroy();
  }

  static #onEnd(this: Socket): void {
    const connection = Connection.#of(this);
    // A FIN read while a frame's answer is awaited waits for the frames before it.
    if (connection.#suspended) connection.#endRead = true;
    else connection.#hangUp();
  }

  static #onDrain(this: Socket): void {
    Connection.#of(this).#drain();
  }

  static #onClose(this: Socket): void {
    const connection = Connection.#of(this);
    clearTimeout(connection.#lingerTimer);
    connection.#ending = true;
    connection.#dropOutput();
    connection.#isClosed = true;
    connection.#group.budget.forget(connection);
    connection.#goOffline();
    connection.#group.handler.closed(connection);
  }

  static #onTurn(connection: Connection): void {
    connection.#yielded = false;
    connection.#drain();
  }

  static #flushPending(): void {
    Connection.#flushScheduled = false;
    const pending = Connection.#pending;
    // Indexed, not iterated: a flush queues nothing new, and the list is reused, not reallocated.
    for (let i = 0; i < pending.length; i++) pending[i]!.#flush();
    pending.length = 0;
  }

  /**
   * Writes out everything gathered, the reader's own output last: a `recv` frame is handed
   * to its recipient's socket before the `status 000 OK` of its send is handed to the sender's.
   */
  static #flushAll(reader: Connection): void {
    const pending = Connection.#pending;
    for (let i = 0; i < pending.length; i++) {
      const connection = pending[i]!;
      if (connection !== reader) connection.#flush();
    }
    pending.length = 0;
    reader.#flush();
  }

  /** Resolves once the socket has closed and the handler has been told. */
  get closed(): Promise<void> {
    if (this.#isClosed) return Promise.resolve();
    // Made on demand: only closing the server waits on it. Registered after #onClose, so it runs after it.
    this.#closed ??= new Promise((resolve) => this.socket.once('close', () => resolve()));
    return this.#closed;
  }

  /** Bytes written to this connection that have not yet been handed to the kernel. */
  get unsentBytes(): number {
    return this.socket.writableLength + this.#outLength;
  }

  /** Bytes its socket holds that the kernel has not taken yet (output still being gathered not counted). */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /** Messages (`recv` frames) written to this connection and not yet wholly handed to the kernel: what closing now would drop. */
  get unsentMessages(): number {
    const queued = this.#unsentChunks?.countRecv(unsentSocketBytes(this.socket)) ?? 0;
    return queued + (this.#outLength === 0 ? 0 : countRecvFrames(this.#out!, 0, this.#outLength));
  }

  /** True once the connection is closing or closed: nothing more is read or written. */
  get ending(): boolean {
    return this.#ending;
  }

  /** False from the moment the user went offline (quit, hang-up, close), even before the socket closes. */
  get online(): boolean {
    return !this.#isOffline;
  }

  /**
   * Queues bytes for the peer; they leave with everything else written in this I/O callback.
   * They may be sent as they are, later: never change them afterwards (shared, pre-encoded frames are ideal).
   */
  write(bytes: Buffer): void {
    if (this.#ending) return;
    if (this.#outLength === 0) {
      this.#markPending();
      this.#out = bytes;
      this.#outLength = bytes.length;
      this.#outBorrowed = true;
      return;
    }
    const out = this.#room(bytes.length);
    if (this.#ending) return;
    const at = this.#outLength;
    copyBytes(bytes, 0, bytes.length, out, at);
    this.#outLength = at + bytes.length;
  }

  /**
   * Queues `recv <from> <message>` from another user: `prefix` is `recv <from> ` and the
   * message is `message[start, end)`, copied straight from where it was read. If the peer
   * already holds too much unsent output, it is a slow consumer: it is closed instead,
   * and false says nothing was queued.
   */
  deliverRecv(prefix: Buffer, message: Buffer, start: number, end: number): boolean {
    if (this.#ending) return false;
    const length = prefix.length + (end - start) + 1;
    if (this.socket.writableLength + this.#outLength + length > this.#limits.maxOutputBytes) {
      this.#group.handler.slowConsumer(this);
      this.destroy();
      return false;
    }
    const out = this.#room(length);
    // Making room writes out, which can get this connection cut off by the output budget.
    if (this.#ending) return false;
    const at = this.#outLength;
    copyBytes(prefix, 0, prefix.length, out, at);
    copyBytes(message, start, end, out, at + prefix.length);
    out[at + length - 1] = EOT;
    this.#outLength = at + length;
    return true;
  }

  /** Answers no further frame, and reads no more, until `resume()`. */
  suspend(): void {
    this.#suspended = true;
  }

  /** Carries on with the frames read meanwhile, then reads again. */
  resume(): void {
    if (!this.#suspended) return;
    this.#suspended = false;
    if (this.#ending) return;
    const decoder = this.#decoder;
    if (decoder !== undefined) this.#answer(decoder);
    // Yielded: the next turn carries on (and hangs up, if the peer has).
    if (this.#ending || this.#suspended || this.#yielded) return;
    if (this.#endRead) this.#hangUp();
    else if (this.socket.writableNeedDrain) this.#pause();
    else this.socket.resume();
  }

  /** Sends what is queued, then closes; frames still unread are ignored. The user is offline at once. */
  end(): void {
    if (this.#ending) return;
    Connection.#flushAll(this);
    this.#ending = true;
    this.socket.end();
    this.#linger();
    this.#goOffline();
  }

  /**
   * For a server shutting down: sends what is queued, then closes our side, reading (and
   * dropping) whatever still comes so the peer is never reset. Unlike `end()`, nothing cuts
   * it short: the caller destroys it when its deadline passes. The user is offline at once.
   */
  endForShutdown(): void {
    if (this.#ending) return;
    Connection.#flushAll(this);
    this.#ending = true;
    this.socket.end();
    this.socket.resume();
    this.#goOffline();
  }

  /** Closes at once, unsent output dropped; the user is offline before this returns. */
  destroy(): void {
    this.#ending = true;
    this.#dropOutput();
    this.socket.destroy();
    // Not on the later 'close' event: a frame handled before it must already find the user gone.
    this.#goOffline();
  }

  #hangUp(): void {
    // Answers still gathered go out before our side ends.
    this.#flush();
    this.#ending = true;
    this.#linger();
    // On a cluster node, our side closes once the name is free cluster-wide, so the peer can count on it.
    const released = this.#goOffline();
    if (released === undefined) this.socket.end();
    else void released.then(() => this.socket.end());
  }

  #linger(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = setTimeout(destroySocket, LINGER_MS, this.socket).unref();
  }

  #goOffline(): void | Promise<void> {
    if (this.#isOffline) return;
    this.#isOffline = true;
    return this.#group.handler.offline(this);
  }

  #markPending(): void {
    if (!Connection.#flushScheduled) {
      Connection.#flushScheduled = true;
      process.nextTick(Connection.#flushPending);
    }
    Connection.#pending.push(this);
  }

  /**
   * An output buffer of our own, with room for `length` more bytes at `#outLength`. It may
   * flush first, which moves `#outLength`: read it only after this returns.
   */
  #room(length: number): Buffer {
    const used = this.#outLength;
    const out = this.#out;
    if (used === 0) {
      this.#markPending();
    } else if (!this.#outBorrowed && used + length <= out!.length) {
      return out!;
    } else if (used >= this.#limits.outputHighWaterMark) {
      // Past the high-water mark already: hand this much to the socket rather than grow further.
      if (Connection.#reader === this) Connection.#flushAll(this);
      else this.#flush();
      return this.#room(length);
    }
    const size = Math.max(used + length, this.#outSizeHint, this.#outBorrowed ? 0 : (out?.length ?? 0) * 2);
    const grown = Buffer.allocUnsafe(size);
    if (used > 0) out!.copy(grown, 0, 0, used);
    this.#out = grown;
    this.#outBorrowed = false;
    return grown;
  }

  #dropOutput(): void {
    this.#out = undefined;
    this.#outLength = 0;
    this.#outBorrowed = false;
  }

  #flush(): void {
    const length = this.#outLength;
    if (length === 0) return;
    const out = this.#out!;
    this.#out = undefined;
    this.#outLength = 0;
    if (!this.#outBorrowed) this.#outSizeHint = Math.min(Math.max(MIN_OUTPUT_BYTES, length), this.#limits.outputHighWaterMark);
    this.#outBorrowed = false;
    const chunk = length === out.length ? out : out.subarray(0, length);
    const socket = this.socket;
    socket.write(chunk);
    const queued = socket.writableLength;
    // The common case, a socket the kernel keeps up with, costs these two reads and nothing more.
    if (queued !== 0 || this.budgeted !== 0) this.#behind(chunk, queued);
  }

  #behind(chunk: Buffer, queued: number): void {
    if (queued === 0) this.#unsentChunks?.trim(0);
    else (this.#unsentChunks ??= new UnsentChunks()).add(chunk, queued);
    this.#group.budget.update(this, queued);
  }

  #read(chunk: Buffer): void {
    if (this.#ending) return;
    this.seenInSweep = this.#group.reaper.sweep;
    const decoder = (this.#decoder ??= this.#group.lendDecoder());
    decoder.feed(chunk);
    this.#answer(decoder);
  }

  /** Answers the frames `decoder` holds, then writes out everything that gathered meanwhile. */
  #answer(decoder: FrameDecoder): void {
    Connection.#reader = this;
    try {
      this.#handleFrames(decoder);
    } finally {
      Connection.#reader = undefined;
    }
    Connection.#flushAll(this);
    this.#keepDecoderIfNeeded(decoder);
  }

  #keepDecoderIfNeeded(decoder: FrameDecoder): void {
    if (!decoder.isEmpty) return;
    this.#decoder = undefined;
    this.#group.returnDecoder(decoder);
  }

  #handleFrames(decoder: FrameDecoder): void {
    const handler = this.#group.handler;
    const socket = this.socket;
    const highWaterMark = this.#limits.outputHighWaterMark;
    const fairShare = this.#group.fairShareBytes;
    while (!this.#ending) {
      if (this.#suspended) {
        this.socket.pause();
        return;
      }
      const turnDone = this.#outLength >= fairShare;
      if (turnDone || this.#outLength + socket.writableLength >= highWaterMark) {
        Connection.#flushAll(this);
        // Frames already read wait in the decoder, in order; 'drain' carries on with them.
        if (socket.writableNeedDrain) {
          this.#pause();
          return;
        }
        if (turnDone) {
          this.#yield();
          return;
        }
      }
      const kind = decoder.next();
      if (kind === FrameKind.None) return;
      handler.frame(this, kind, decoder.frameBytes, decoder.frameStart, decoder.frameEnd);
    }
  }

  #pause(): void {
    this.socket.pause();
    if (!this.#drainListening) {
      this.#drainListening = true;
      this.socket.on('drain', Connection.#onDrain);
    }
  }

  #yield(): void {
    this.socket.pause();
    this.#yielded = true;
    setImmediate(Connection.#onTurn, this);
  }

  #drain(): void {
    if (this.#ending || this.#suspended || !this.socket.isPaused()) return;
    // Output moving counts as a sign of life: a peer we stopped reading has not gone quiet.
    this.seenInSweep = this.#group.reaper.sweep;
    const decoder = this.#decoder;
    if (decoder !== undefined) this.#answer(decoder);
    if (this.#ending || this.#yielded || this.#suspended) return;
    if (this.#endRead) this.#hangUp();
    else if (!this.socket.writableNeedDrain) this.socket.resume();
  }
}

/** Copies `from[start, end)` to `to` at `at`. */
function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): void {
  if (end - start > SHORT_COPY_BYTES) {
    from.copy(to, at, start, end);
    return;
  }
  for (let i = start; i < end; i++) to[at++] = from[i]!;
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}
