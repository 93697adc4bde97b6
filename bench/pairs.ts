import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LatencyHistogram } from './histogram.js';
import { CR, EOT, exchange, LF, NATS_CONNECT, natsPongComplete, open, supLoginComplete, Target, type WireTls } from './wire.js';

const SEQ_DIGITS = 10;
const ID_DIGITS = 6;
const ZERO = 0x30;
const MAX_ERRORS_KEPT = 5;
// Sequence numbers skipped over are remembered up to this many, to tell late from lost.
const MAX_GAPS_KEPT = 100_000;

/** The payload carries `<seq>:<pair>:` so the receiver can check order and sender. */
export const MIN_PAYLOAD_BYTES = SEQ_DIGITS + 1 + ID_DIGITS + 1;

/** What one pair saw; summed over pairs and workers. */
export interface PairCounts {
  sent: number;
  okAcks: number;
  badAcks: number;
  received: number;
  /** Arrived a second time. */
  duplicated: number;
  /** Arrived after a message sent later than it. */
  reordered: number;
  wrongSender: number;
  malformed: number;
  /** Acknowledged but never received once the drain ended. */
  missing: number;
  connectionErrors: number;
}

export function emptyCounts(): PairCounts {
  return {
    sent: 0,
    okAcks: 0,
    badAcks: 0,
    received: 0,
    duplicated: 0,
    reordered: 0,
    wrongSender: 0,
    malformed: 0,
    missing: 0,
    connectionErrors: 0,
  };
}

export function addCounts(into: PairCounts, from: PairCounts): void {
  for (const key of Object.keys(into) as Array<keyof PairCounts>) into[key] += from[key];
}

/** Where a worker records latencies; `histogram` is set only while measuring. */
export interface Recorder {
  histogram: LatencyHistogram | undefined;
  errors: string[];
  /** Called after every read once sending has stopped, so the worker sees the drain end. */
  onDrainProgress: () => void;
}

function writeDigits(bytes: Buffer, offset: number, value: number, digits: number): void {
  for (let i = offset + digits - 1; i >= offset; i--) {
    bytes[i] = ZERO + (value % 10);
    value = Math.floor(value / 10);
  }
}

function readDigits(bytes: Buffer, offset: number, digits: number): number {
  let value = 0;
  for (let i = offset; i < offset + digits; i++) {
    const digit = bytes[i]! - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function startsWith(bytes: Buffer, offset: number, prefix: Buffer): boolean {
  if (offset + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[offset + i] !== prefix[i]) return false;
  }
  return true;
}

/**
 * One sender and one receiver connection. The sender keeps `window` sends in flight and
 * sends again as acknowledgements come back, in one write per read; the receiver checks
 * that every payload arrives once, in order, from its own sender.
 */
export abstract class Pair {
  readonly index: number;
  readonly window: number;
  readonly payloadBytes: number;
  readonly counts: PairCounts = emptyCounts();
  protected sender: Socket | undefined;
  protected receiver: Socket | undefined;
  protected readonly recorder: Recorder;
  #template: Buffer = Buffer.alloc(0);
  #seqOffset = 0;
  readonly #sentAt: Float64Array;
  #expectedSeq = 0;
  /** Sequence numbers jumped over and not seen yet: lost, unless they turn up late. */
  readonly #gaps = new Set<number>();
  #gapsForgotten = 0;
  #sending = false;
  #stopping = false;

  constructor(index: number, window: number, payloadBytes: number, recorder: Recorder) {
    this.index = index;
    this.window = window;
    this.payloadBytes = payloadBytes;
    this.recorder = recorder;
    this.#sentAt = new Float64Array(window);
  }

  /** Receiver to `port`, sender to `senderPort` (the same unless pairs cross cluster nodes). */
  abstract connect(host: string, port: number, senderPort: number, tls?: WireTls): Promise<void>;

  /** Every acknowledgement is in and every acknowledged message was received. */
  get settled(): boolean {
    const c = this.counts;
    return c.okAcks + c.badAcks === c.sent && this.#expectedSeq >= c.okAcks && this.#gaps.size === 0;
  }

  start(): void {
    this.#sending = true;
    this.#sendBatch(this.window);
  }

  stop(): void {
    this.#sending = false;
    this.#stopping = true;
  }

  /** Counts what never arrived, then closes both connections. */
  finish(): void {
    const c = this.counts;
    c.missing = this.#gaps.size + this.#gapsForgotten + Math.max(0, c.okAcks - this.#expectedSeq);
    this.#stopping = false;
    this.sender?.destroy();
    this.receiver?.destroy();
  }

  protected setFrameTemplate(prefix: string, suffix: string): void {
    const payload = Buffer.alloc(this.payloadBytes, 'x');
    writeDigits(payload, 0, 0, SEQ_DIGITS);
    payload[SEQ_DIGITS] = 0x3a;
    writeDigits(payload, SEQ_DIGITS + 1, this.index, ID_DIGITS);
    payload[SEQ_DIGITS + 1 + ID_DIGITS] = 0x3a;
    this.#template = Buffer.concat([Buffer.from(prefix, 'latin1'), payload, Buffer.from(suffix, 'latin1')]);
    this.#seqOffset = prefix.length;
  }

  protected watch(socket: Socket, role: string): void {
    socket.on('error', (error) => this.error(`${role} ${this.index}: ${error.message}`));
    socket.on('close', () => {
      if (this.#sending || this.#stopping) {
        this.counts.connectionErrors++;
        this.error(`${role} ${this.index}: the server closed the connection mid-run`);
      }
    });
  }

  protected error(message: string): void {
    if (this.recorder.errors.length < MAX_ERRORS_KEPT) this.recorder.errors.push(message);
  }

  /** Called once per sender read with the replies it held. */
  protected acked(ok: number, bad: number): void {
    const total = ok + bad;
    if (total === 0) return;
    const c = this.counts;
    const histogram = this.recorder.histogram;
    if (histogram) {
      const now = performance.now();
      const first = c.okAcks + c.badAcks;
      for (let i = first; i < first + total; i++) {
        histogram.record((now - this.#sentAt[i % this.window]!) * 1000);
      }
    }
    c.okAcks += ok;
    c.badAcks += bad;
    if (this.#sending) this.#sendBatch(total);
    else if (this.#stopping) this.recorder.onDrainProgress();
  }

  /** Called for each message the receiver got, with the numbers read from its payload. */
  protected delivered(seq: number, pairIndex: number): void {
    const c = this.counts;
    c.received++;
    if (pairIndex !== this.index) c.wrongSender++;
    if (seq < 0 || seq >= c.sent) {
      // Not a number this sender ever used: the payload was damaged on the way.
      c.malformed++;
    } else if (seq === this.#expectedSeq) {
      this.#expectedSeq++;
    } else if (seq > this.#expectedSeq) {
      const kept = Math.min(seq, this.#expectedSeq + Math.max(0, MAX_GAPS_KEPT - this.#gaps.size));
      for (let missed = this.#expectedSeq; missed < kept; missed++) this.#gaps.add(missed);
      this.#gapsForgotten += seq - kept;
      this.#expectedSeq = seq + 1;
    } else if (this.#gaps.delete(seq)) {
      c.reordered++;
    } else {
      c.duplicated++;
    }
  }

  protected receiverRead(): void {
    if (this.#stopping) this.recorder.onDrainProgress();
  }

  protected payloadSeq(bytes: Buffer, offset: number): number {
    return readDigits(bytes, offset, SEQ_DIGITS);
  }

  protected payloadPair(bytes: Buffer, offset: number): number {
    return readDigits(bytes, offset + SEQ_DIGITS + 1, ID_DIGITS);
  }

  #sendBatch(count: number): void {
    const template = this.#template;
    const frameBytes = template.length;
    const batch = Buffer.allocUnsafe(frameBytes * count);
    const firstSeq = this.counts.sent;
    const now = performance.now();
    for (let i = 0; i < count; i++) {
      const offset = i * frameBytes;
      template.copy(batch, offset);
      writeDigits(batch, offset + this.#seqOffset, firstSeq + i, SEQ_DIGITS);
      this.#sentAt[(firstSeq + i) % this.window] = now;
    }
    this.counts.sent += count;
    this.sender!.write(batch);
  }
}

/** Sup: `send br<i> <payload>` answered by `status 000 OK`, delivered as `recv bs<i> <payload>`. */
export class SupPair extends Pair {
  readonly #recvPrefix: Buffer;
  #senderRest: Buffer | undefined;
  #receiverRest: Buffer | undefined;

  constructor(index: number, window: number, payloadBytes: number, recorder: Recorder) {
    super(index, window, payloadBytes, recorder);
    this.setFrameTemplate(`send br${index} `, '\x04');
    this.#recvPrefix = Buffer.from(`recv bs${index} `, 'latin1');
  }

  async connect(host: string, port: number, senderPort: number, tls?: WireTls): Promise<void> {
    const receiverName = `br${this.index}`;
    const senderName = `bs${this.index}`;
    // The receiver logs in first: a send to a name not yet online would be answered 104.
    const receiver = await open(host, port, tls);
    this.receiver = receiver;
    this.watch(receiver, 'receiver');
    const receiverRest = await exchange(receiver, `login ${receiverName}\x04`, supLoginComplete(receiverName), `login ${receiverName}`);
    receiver.on('data', (chunk: Buffer) => this.#onReceiverData(chunk));
    if (receiverRest.length > 0) this.#onReceiverData(receiverRest);

    const sender = await open(host, senderPort, tls);
    this.sender = sender;
    this.watch(sender, 'sender');
    const senderRest = await exchange(sender, `login ${senderName}\x04`, supLoginComplete(senderName), `login ${senderName}`);
    sender.on('data', (chunk: Buffer) => this.#onSenderData(chunk));
    if (senderRest.length > 0) this.#onSenderData(senderRest);
  }

  #onSenderData(chunk: Buffer): void {
    const bytes = this.#senderRest ? Buffer.concat([this.#senderRest, chunk]) : chunk;
    this.#senderRest = undefined;
    let ok = 0;
    let bad = 0;
    let start = 0;
    for (;;) {
      const eot = bytes.indexOf(EOT, start);
      if (eot === -1) break;
      // `status 000 OK` is the only 13-byte reply with 000 at that place.
      if (eot - start === 13 && bytes[start + 7] === ZERO && bytes[start + 8] === ZERO && bytes[start + 9] === ZERO) {
        ok++;
      } else {
        bad++;
        this.error(`sender ${this.index} got ${JSON.stringify(bytes.toString('latin1', start, eot))}`);
      }
      start = eot + 1;
    }
    if (start < bytes.length) this.#senderRest = Buffer.from(bytes.subarray(start));
    this.acked(ok, bad);
  }

  #onReceiverData(chunk: Buffer): void {
    const bytes = this.#receiverRest ? Buffer.concat([this.#receiverRest, chunk]) : chunk;
    this.#receiverRest = undefined;
    const prefix = this.#recvPrefix;
    const frameBytes = prefix.length + this.payloadBytes;
    let start = 0;
    for (;;) {
      const eot = bytes.indexOf(EOT, start);
      if (eot === -1) break;
      if (eot - start === frameBytes && startsWith(bytes, start, prefix)) {
        const payload = start + prefix.length;
        this.delivered(this.payloadSeq(bytes, payload), this.payloadPair(bytes, payload));
      } else {
        this.#unexpected(bytes, start, eot);
      }
      start = eot + 1;
    }
    if (start < bytes.length) this.#receiverRest = Buffer.from(bytes.subarray(start));
    this.receiverRead();
  }

  #unexpected(bytes: Buffer, start: number, end: number): void {
    const text = bytes.toString('latin1', start, end);
    if (text.startsWith('recv ') && !text.startsWith(this.#recvPrefix.toString('latin1'))) {
      this.counts.received++;
      this.counts.wrongSender++;
    } else {
      this.counts.malformed++;
    }
    this.error(`receiver ${this.index} got ${JSON.stringify(text.slice(0, 80))}`);
  }
}

const PLUS = 0x2b;
const MINUS = 0x2d;
const LETTER_M = 0x4d;
const LETTER_P = 0x50;
const LETTER_I = 0x49;
const SPACE = 0x20;

/** NATS with verbose on: `PUB bench.<i>` answered by `+OK`, delivered as `MSG bench.<i> 1 <n>`. */
export class NatsPair extends Pair {
  readonly #msgPrefix: Buffer;
  #senderRest: Buffer | undefined;
  #receiverRest: Buffer | undefined;

  constructor(index: number, window: number, payloadBytes: number, recorder: Recorder) {
    super(index, window, payloadBytes, recorder);
    this.setFrameTemplate(`PUB bench.${index} ${payloadBytes}\r\n`, '\r\n');
    this.#msgPrefix = Buffer.from(`MSG bench.${index} `, 'latin1');
  }

  async connect(host: string, port: number, _senderPort: number, tls?: WireTls): Promise<void> {
    const receiver = await open(host, port, tls, true);
    this.receiver = receiver;
    this.watch(receiver, 'receiver');
    // The PING's PONG comes after the SUB's +OK, so once it is in, the subscription is live.
    const receiverRest = await exchange(receiver, `${NATS_CONNECT}SUB bench.${this.index} 1\r\nPING\r\n`, natsPongComplete, `subscribe ${this.index}`);
    receiver.on('data', (chunk: Buffer) => this.#onReceiverData(chunk));
    if (receiverRest.length > 0) this.#onReceiverData(receiverRest);

    const sender = await open(host, port, tls, true);
    this.sender = sender;
    this.watch(sender, 'sender');
    const senderRest = await exchange(sender, `${NATS_CONNECT}PING\r\n`, natsPongComplete, `connect ${this.index}`);
    sender.on('data', (chunk: Buffer) => this.#onSenderData(chunk));
    if (senderRest.length > 0) this.#onSenderData(senderRest);
  }

  #onSenderData(chunk: Buffer): void {
    const bytes = this.#senderRest ? Buffer.concat([this.#senderRest, chunk]) : chunk;
    this.#senderRest = undefined;
    let ok = 0;
    let bad = 0;
    let start = 0;
    for (;;) {
      const lf = bytes.indexOf(LF, start);
      if (lf === -1) break;
      const first = bytes[start];
      if (first === PLUS) {
        ok++;
      } else if (first === MINUS) {
        bad++;
        this.error(`sender ${this.index} got ${JSON.stringify(bytes.toString('latin1', start, lf).trim())}`);
      } else if (first === LETTER_P && bytes[start + 1] === LETTER_I) {
        this.sender!.write('PONG\r\n');
      }
      start = lf + 1;
    }
    if (start < bytes.length) this.#senderRest = Buffer.from(bytes.subarray(start));
    this.acked(ok, bad);
  }

  #onReceiverData(chunk: Buffer): void {
    const bytes = this.#receiverRest ? Buffer.concat([this.#receiverRest, chunk]) : chunk;
    this.#receiverRest = undefined;
    let start = 0;
    while (start < bytes.length) {
      const lf = bytes.indexOf(LF, start);
      if (lf === -1) break;
      const first = bytes[start];
      if (first === LETTER_M) {
        const size = messageSize(bytes, start, lf);
        const end = lf + 1 + size + 2;
        if (size < 0) {
          this.counts.malformed++;
          this.error(`receiver ${this.index} got ${JSON.stringify(bytes.toString('latin1', start, lf))}`);
          start = lf + 1;
          continue;
        }
        if (end > bytes.length) break;
        if (!startsWith(bytes, start, this.#msgPrefix)) {
          this.counts.received++;
          this.counts.wrongSender++;
        } else if (size !== this.payloadBytes) {
          this.counts.malformed++;
        } else {
          this.delivered(this.payloadSeq(bytes, lf + 1), this.payloadPair(bytes, lf + 1));
        }
        start = end;
      } else {
        if (first === MINUS) this.error(`receiver ${this.index} got ${JSON.stringify(bytes.toString('latin1', start, lf).trim())}`);
        else if (first === LETTER_P && bytes[start + 1] === LETTER_I) this.receiver!.write('PONG\r\n');
        start = lf + 1;
      }
    }
    if (start < bytes.length) this.#receiverRest = Buffer.from(bytes.subarray(start));
    this.receiverRead();
  }
}

/** The `<#bytes>` at the end of a `MSG <subject> <sid> [reply-to] <#bytes>\r\n` line, or -1. */
function messageSize(bytes: Buffer, start: number, lf: number): number {
  let end = lf;
  if (bytes[end - 1] === CR) end--;
  let i = end - 1;
  let size = 0;
  let scale = 1;
  while (i > start && bytes[i] !== SPACE) {
    const digit = bytes[i]! - ZERO;
    if (digit < 0 || digit > 9) return -1;
    size += digit * scale;
    scale *= 10;
    i--;
  }
  return i > start && scale > 1 ? size : -1;
}

export function createPair(target: Target, index: number, window: number, payloadBytes: number, recorder: Recorder): Pair {
  return target === Target.Sup
    ? new SupPair(index, window, payloadBytes, recorder)
    : new NatsPair(index, window, payloadBytes, recorder);
}
