/**
 * Where a profiled process's CPU went, by component: every sample is charged to the nearest
 * frame on its stack that belongs to a component (a package, or a file of libs/queue), so time
 * in native code and node internals (a socket write, base64, JSON) is billed to whoever called
 * it — `Buffer#toString('base64')` under result-body.ts counts as "result body". Idle samples are
 * left out; garbage collection and V8's own work stay separate.
 *
 * Samples are counted, each worth the profile's mean interval: a sample's time delta can hold a
 * gap of the sampler thread (descheduled on a busy machine), which would bill one frame for it.
 */
export interface CpuProfile {
  /** Start and end of the profile, in microseconds. */
  startTime: number;
  endTime: number;
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
}

export interface ComponentTime {
  component: string;
  ms: number;
  /** Share of the busy (non-idle) samples. */
  share: number;
}

/** libs/queue files by what they do (the names the suite reports). */
const queueFiles: Array<[RegExp, string]> = [
  [/\/(job-schema|prepare-jobs)\.[jt]s$/, 'queue: job validation and preparation (zod schema)'],
  [/\/credentials\.[jt]s$/, 'queue: credentials split / restore / redaction'],
  [/\/job-ids\.[jt]s$/, 'queue: job ids and payload hash'],
  [/\/request-job\.[jt]s$/, 'queue: runRequestJob (request + result shaping)'],
  [/\/result-body\.[jt]s$/, 'queue: result body (inline base64 or file)'],
  [/\/(limits\/[^/]+|redis\/[^/]+)\.[jt]s$/, 'queue: fleet limits (Lua acquire/release, leases)'],
  [/\/fleet-state\.[jt]s$/, 'queue: fleet state heartbeat'],
  [/\/(job-execution|job-handlers|start-worker|results-sweeper)\.[jt]s$/, 'queue: attempt wrapper and handlers'],
  [/\/bullmq\/[^/]+\.[jt]s$/, 'queue: BullMQ driver glue'],
];

/** Packages grouped under one name (a client library and the helpers only it uses). */
const packageGroups = new Map<string, string>(Object.entries({
  bullmq: 'BullMQ',
  msgpackr: 'BullMQ',
  'cron-parser': 'BullMQ',
  // ioredis 6 parses RESP and computes cluster slots itself (no redis-parser, no cluster-key-slot).
  ioredis: 'ioredis (Redis protocol)',
  '@ioredis/commands': 'ioredis (Redis protocol)',
  denque: 'ioredis (Redis protocol)',
  'redis-errors': 'ioredis (Redis protocol)',
  'standard-as-callback': 'ioredis (Redis protocol)',
  undici: 'undici (HTTP)',
  xstate: 'origin: client and actor (incl. xstate)',
  zod: 'queue: job validation and preparation (zod schema)',
  pino: 'pino logging',
  'thread-stream': 'pino logging',
  tsx: 'module loading (tsx)',
  esbuild: 'module loading (tsx)',
}));

/** The component a frame belongs to, or null for a frame to see through (native, node internals). */
export function componentOf(url: string): string | null {
  if (url === '' || url.startsWith('node:') || url.startsWith('wasm:')) return null;
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const name = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return packageGroups.get(name) ?? name;
  }
  if (path.includes('/libs/queue/')) {
    for (const [pattern, component] of queueFiles) if (pattern.test(path)) return component;
    return 'queue: other';
  }
  const lib = /\/(libs|apps)\/([^/]+)\//.exec(path);
  if (lib) {
    if (lib[1] === 'libs' && lib[2] === 'origin') return 'origin: client and actor (incl. xstate)';
    return `${lib[1]}/${lib[2]}`;
  }
  return path;
}

/** Node's own work with no library frame on its stack: socket reads, timers, the promise queue. */
const NO_CALLER = 'node runtime (event loop, socket reads, promise jobs)';

// Maps, not object literals: a function named `toString` or `constructor` must not find Object's.
const special = new Map<string, string>([
  ['(garbage collector)', 'garbage collection'],
  ['(program)', 'V8 / runtime (no JS frame)'],
  ['(root)', 'V8 / runtime (no JS frame)'],
]);

export function componentTimes(profile: CpuProfile): { busyMs: number; idleMs: number; components: ComponentTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owner.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    let result: string;
    const fixed = special.get(name);
    if (fixed !== undefined) result = fixed;
    else if (name === '(idle)') result = '(idle)';
    else {
      const own = componentOf(node.callFrame.url);
      const up = parent.get(id);
      result = own ?? (up === undefined ? NO_CALLER : ownerOf(up));
      if (result === special.get('(root)')) result = NO_CALLER;
    }
    owner.set(id, result);
    return result;
  };

  const totals = new Map<string, number>();
  const perSampleUs = profile.samples.length > 0 ? (profile.endTime - profile.startTime) / profile.samples.length : 0;
  let idleUs = 0;
  let busyUs = 0;
  for (const sample of profile.samples) {
    const component = ownerOf(sample);
    if (component === '(idle)') {
      idleUs += perSampleUs;
      continue;
    }
    busyUs += perSampleUs;
    totals.set(component, (totals.get(component) ?? 0) + perSampleUs);
  }
  const components = [...totals]
    .map(([component, us]) => ({ component, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, components };
}

/** A frame to look for on sampled stacks: a function name (any of) and, optionally, part of its file's URL. */
export interface FrameMatcher {
  label: string;
  functions: readonly string[];
  file?: string;
}

/**
 * Inclusive time of each matcher: the samples with a matching frame anywhere on their stack, in
 * milliseconds (each sample worth the mean interval). Stacks are synchronous: work after an
 * `await` starts a new stack, so a function's figure covers its synchronous part and the
 * synchronous callees of the code it runs, not the continuations.
 */
export function inclusiveTimes(profile: CpuProfile, matchers: readonly FrameMatcher[]): Array<{ label: string; ms: number }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const matches = (id: number, m: FrameMatcher): boolean => {
    const { functionName, url } = byId.get(id)!.callFrame;
    return m.functions.includes(functionName) && (m.file === undefined || url.includes(m.file));
  };
  const perSampleUs = profile.samples.length > 0 ? (profile.endTime - profile.startTime) / profile.samples.length : 0;
  const hits = matchers.map(() => 0);
  for (const sample of profile.samples) {
    matchers.forEach((m, i) => {
      for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
        if (matches(id, m)) {
          hits[i]!++;
          return;
        }
      }
    });
  }
  return matchers.map((m, i) => ({ label: m.label, ms: (hits[i]! * perSampleUs) / 1000 }));
}
