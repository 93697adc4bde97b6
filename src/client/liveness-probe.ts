import { startTimer, type CancelTimer, type Clock } from './clock.js';

/** Watches one logged-in connection for a peer that stopped answering. */
export interface LivenessProbe {
  /** The connection is online: start watching it. */
  start(): void;
  /** Bytes arrived from the server. */
  heard(): void;
  /** The probe's status came back. */
  answered(): void;
  /** The connection is gone: stop watching, leaving no timer behind. */
  stop(): void;
}

export interface IdleProbeOptions {
  readonly clock: Clock;
  /** Quiet this long means probe; 0 turns probing off. */
  readonly idleProbeMs: number;
  /** With a probe out, silence this long means a dead peer. */
  readonly probeTimeoutMs: number;
  /** Frames the client has written so far (any count that grows with each write). */
  readonly written: () => number;
  /** Writes the probe. */
  readonly send: () => void;
  /** The peer is silent: `quietMs` since anything was heard. */
  readonly dead: (quietMs: number) => void;
}

const OFF: LivenessProbe = { start() {}, heard() {}, answered() {}, stop() {} };

/**
 * Probes after a quiet spell in either direction: nothing heard (the peer may be gone), or
 * nothing said (a client that only listens must still speak before the server's idle timeout
 * closes it). With a probe out, silence past `probeTimeoutMs` means a dead peer.
 */
export function createIdleProbe(options: IdleProbeOptions): LivenessProbe {
  return options.idleProbeMs === 0 ? OFF : new IdleProbe(options);
}

class IdleProbe implements LivenessProbe {
  readonly #options: IdleProbeOptions;
  #lastHeardAt = 0;
  // Writes are counted, not timed, to keep the write path free of clock reads; sampled at each check.
  #writtenSeen = 0;
  #lastSpokeAt = 0;
  #probeSentAt: number | undefined;
  // One timer for the whole watch, re-armed from what it finds when it fires.
  #cancel: CancelTimer | undefined;

  constructor(options: IdleProbeOptions) {
    this.#options = options;
  }

  start(): void {
    this.#lastHeardAt = this.#options.clock.now();
    this.#lastSpokeAt = this.#lastHeardAt;
    this.#writtenSeen = this.#options.written();
    this.#probeSentAt = undefined;
    this.#arm(this.#options.idleProbeMs);
  }

  heard(): void {
    this.#lastHeardAt = this.#options.clock.now();
  }

  answered(): void {
    this.#probeSentAt = undefined;
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#probeSentAt = undefined;
  }

  #arm(delayMs: number): void {
    this.#cancel = startTimer(this.#options.clock, Math.max(1, Math.ceil(delayMs)), this.#check);
  }

  readonly #check = (): void => {
    this.#cancel = undefined;
    const { clock, idleProbeMs, probeTimeoutMs } = this.#options;
    const now = clock.now();
    if (this.#probeSentAt === undefined) {
      const written = this.#options.written();
      if (written !== this.#writtenSeen) {
        this.#writtenSeen = written;
        this.#lastSpokeAt = now;
      }
      const quietMs = now - Math.min(this.#lastHeardAt, this.#lastSpokeAt);
      if (quietMs < idleProbeMs) {
        this.#arm(idleProbeMs - quietMs);
        return;
      }
      this.#probeSentAt = now;
      this.#options.send();
      this.#arm(probeTimeoutMs);
      return;
    }
    const silentMs = now - Math.max(this.#probeSentAt, this.#lastHeardAt);
    if (silentMs < probeTimeoutMs) {
      this.#arm(probeTimeoutMs - silentMs);
      return;
    }
    this.#options.dead(now - this.#lastHeardAt);
  };
}
