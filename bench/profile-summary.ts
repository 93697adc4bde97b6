// Summarises V8 .cpuprofile files (from `node --cpu-prof`): self and inclusive time per function.
// Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile | dir>... [--top N]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { markdownTable } from './format.js';
import { REPO_ROOT } from './servers.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  location: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  /** Everything but `(idle)`: the time the process was on a CPU, as V8 saw it. */
  busyMs: number;
  functions: FunctionTime[];
  /** Self time per script (our files, node internals, V8 pseudo-frames). */
  scripts: Array<{ script: string; selfMs: number }>;
}

const REPO_URL = pathToFileURL(REPO_ROOT).href;

function scriptOf(frame: CallFrame): string {
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  return frame.url.startsWith(REPO_URL) ? frame.url.slice(REPO_URL.length) : frame.url;
}

const sourceMaps = new Map<string, SourceMap | undefined>();

// The CLI is bundled, so a frame's place is reported in the source it came from when a map is there.
function sourceMapFor(url: string): SourceMap | undefined {
  if (!url.startsWith('file:')) return undefined;
  if (!sourceMaps.has(url)) {
    const mapFile = `${fileURLToPath(url)}.map`;
    sourceMaps.set(url, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload) : undefined);
  }
  return sourceMaps.get(url);
}

function locationOf(frame: CallFrame): string {
  const map = sourceMapFor(frame.url);
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && 'originalSource' in entry && entry.originalSource) {
    const source = entry.originalSource.startsWith('file:')
      ? fileURLToPath(entry.originalSource)
      : resolve(dirname(fileURLToPath(frame.url)), entry.originalSource);
    return `${relative(REPO_ROOT, source)}:${entry.originalLine + 1}`;
  }
  return `${scriptOf(frame)}:${frame.lineNumber + 1}`;
}

function keyOf(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'}\u0000${locationOf(frame)}`;
}

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  // A sample lasts until the next one (as DevTools counts it); the last one until the profile's end.
  const stamps: number[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) stamps.push((at += delta));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const scripts = new Map<string, number>();
  let busyMicros = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const duration = Math.max(0, (i + 1 < stamps.length ? stamps[i + 1]! : profile.endTime) - stamps[i]!);
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const key = keyOf(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + duration);
    const script = scriptOf(node.callFrame);
    scripts.set(script, (scripts.get(script) ?? 0) + duration);
    if (node.callFrame.functionName !== '(idle)') busyMicros += duration;
    // Inclusive time counts a function once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      const frameKey = keyOf(byId.get(id)!.callFrame);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      total.set(frameKey, (total.get(frameKey) ?? 0) + duration);
    }
  }
  const functions = [...total.keys()].map((key) => {
    const [name, location] = key.split('\u0000') as [string, string];
    return { name, location, selfMs: (self.get(key) ?? 0) / 1000, totalMs: total.get(key)! / 1000 };
  });
  return {
    file,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busyMicros / 1000,
    functions,
    scripts: [...scripts].map(([script, micros]) => ({ script, selfMs: micros / 1000 })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

const IGNORED_IN_TOTALS = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : 'n/a';
}

/** Markdown: top functions by self time, top ones of ours by inclusive time, and self time per script. */
export function formatSummary(summary: ProfileSummary, top: number): string {
  const busy = summary.busyMs;
  const bySelf = [...summary.functions].sort((a, b) => b.selfMs - a.selfMs).filter((f) => f.name !== '(idle)').slice(0, top);
  const ours = [...summary.functions]
    .filter((f) => !IGNORED_IN_TOTALS.has(f.name) && (f.location.startsWith('dist/') || f.location.startsWith('src/')))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top);
  const scripts = summary.scripts.filter((s) => s.script !== '(idle)').slice(0, top);
  return [
    `### ${basename(summary.file)}`,
    '',
    `Profile ${summary.wallMs.toFixed(0)} ms, of which ${busy.toFixed(0)} ms busy (not idle). Percentages are of busy time.`,
    '',
    'Top functions by self time:',
    '',
    markdownTable(
      ['function', 'where', 'self', 'self %', 'total %'],
      bySelf.map((f) => [f.name, f.location, `${f.selfMs.toFixed(0)} ms`, percent(f.selfMs, busy), percent(f.totalMs, busy)]),
    ),
    '',
    'Our functions by inclusive time (self plus what they call):',
    '',
    markdownTable(
      ['function', 'where', 'total', 'total %', 'self %'],
      ours.map((f) => [f.name, f.location, `${f.totalMs.toFixed(0)} ms`, percent(f.totalMs, busy), percent(f.selfMs, busy)]),
    ),
    '',
    'Self time by script:',
    '',
    markdownTable(
      ['script', 'self', 'self %'],
      scripts.map((s) => [s.script, `${s.selfMs.toFixed(0)} ms`, percent(s.selfMs, busy)]),
    ),
  ].join('\n');
}

export function profileFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.cpuprofile'))
          .sort()
          .map((name) => join(path, name))
      : [path],
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt === -1 ? 20 : Number(args.splice(topAt, 2)[1]);
  if (args.length === 0 || !Number.isInteger(top) || top < 1) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile | dir>... [--top N]\n');
    process.exitCode = 2;
  } else {
    for (const file of profileFiles(args)) process.stdout.write(`${formatSummary(summarizeProfile(file), top)}\n\n`);
  }
}
