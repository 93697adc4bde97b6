import { readFileSync } from 'node:fs';
import type { ServerLogger } from './logger.js';

/** Descriptors kept for node itself, the listener and refusals, above one per connection. */
export const DESCRIPTOR_RESERVE = 64;
/** Refused connections allowed to linger for their 201 at once; past this they are closed as soon as it is written. */
export const REFUSALS_LINGERING_MAX = DESCRIPTOR_RESERVE / 2;

/**
 * The soft limit on open files (`ulimit -n`), read from /proc/self/limits since node has no
 * getrlimit; undefined where that file is missing (not Linux) or says unlimited.
 */
export function openFilesSoftLimit(readLimits: () => string = () => readFileSync('/proc/self/limits', 'latin1')): number | undefined {
  let text: string;
  try {
    text = readLimits();
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (match === null || match[1] === 'unlimited') return undefined;
  return Number(match[1]);
}

/**
 * The connection limit the descriptor limit can honour: past it, accepting would fail in the
 * kernel and reset users instead of answering 201. Lowered, with a warning, when it must be.
 */
export function fitConnectionsToDescriptors(maxConnections: number, log: ServerLogger, softLimit = openFilesSoftLimit()): number {
  if (softLimit === undefined || maxConnections + DESCRIPTOR_RESERVE <= softLimit) return maxConnections;
  const fitted = Math.max(1, softLimit - DESCRIPTOR_RESERVE);
  log.warn('max-connections-lowered', {
    maxConnections,
    effectiveMaxConnections: fitted,
    openFilesLimit: softLimit,
    reserve: DESCRIPTOR_RESERVE,
    fix: `raise the limit (ulimit -n ${maxConnections + DESCRIPTOR_RESERVE}, or LimitNOFILE= under systemd) or lower --max-connections`,
  });
  return fitted;
}
