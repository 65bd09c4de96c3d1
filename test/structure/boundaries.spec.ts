// The module-boundary rule really runs, as CI runs it: in a copy of the workspace with no Nx
// project graph yet (its cache and workspace-data directories are fresh temp dirs), `npm run
// lint`'s own graph step, then eslint. Wrong imports (queue → download, an app → an app) fail;
// an edge DESIGN allows (scheduler → queue) passes. Without the graph the rule would skip itself
// and every probe would pass.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
/** Watchdog per step: Nx computes the graph and eslint loads on 2 shared cores; ~10x a quiet run. */
const STEP_MS = 120_000;

interface EslintMessage {
  ruleId: string | null;
  message: string;
}
interface EslintResult {
  filePath: string;
  messages: EslintMessage[];
}

/**
 * Every file a clone would have (tracked, plus new files not ignored) and a node_modules as `npm
 * ci` would lay it out: the installed packages linked from this checkout, but the workspace's own
 * `@courier/*` links pointing into the copy (through this checkout's links, a package would
 * resolve to a built dist/ outside the copy, which Nx takes for an external package).
 */
async function copyWorkspace(into: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, maxBuffer: 16 << 20 });
  for (const file of stdout.split('\0')) {
    if (file === '' || !existsSync(join(root, file))) continue;
    await mkdir(dirname(join(into, file)), { recursive: true });
    await cp(join(root, file), join(into, file));
  }
  const modules = join(root, 'node_modules');
  await mkdir(join(into, 'node_modules', '@courier'), { recursive: true });
  for (const entry of await readdir(modules)) {
    if (entry !== '@courier') await symlink(join(modules, entry), join(into, 'node_modules', entry));
  }
  // npm's workspace links are relative (`../../libs/queue`), so the same link lands in the copy.
  for (const name of await readdir(join(modules, '@courier'))) {
    await symlink(await readlink(join(modules, '@courier', name)), join(into, 'node_modules', '@courier', name));
  }
}

const probes = {
  queueToDownload: { file: 'libs/queue/src/boundary-probe.ts', code: "import { download } from '@courier/download';\nexport const probe = download;\n" },
  appToApp: { file: 'apps/bench/src/boundary-probe.ts', code: "import { runCli } from '@courier/cli';\nexport const probe = runCli;\n" },
  schedulerToQueue: { file: 'libs/scheduler/src/boundary-probe.ts', code: "import { createQueue } from '@courier/queue';\nexport const probe = createQueue;\n" },
  // The one Redis script loader: a leaf that download (like queue and server) may use.
  downloadToRedisScripts: { file: 'libs/download/src/boundary-probe.ts', code: "import { loadScriptSet } from '@courier/redis-scripts';\nexport const probe = loadScriptSet;\n" },
  redisScriptsToOrigin: { file: 'libs/redis-scripts/src/boundary-probe.ts', code: "import { createClient } from '@courier/origin';\nexport const probe = createClient;\n" },
};

function boundaryErrors(results: EslintResult[], file: string): string[] {
  const result = results.find((r) => r.filePath.endsWith(file));
  if (!result) throw new Error(`eslint did not report on ${file}`);
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  it('npm run lint computes the Nx project graph before eslint, and CI runs npm run lint', async () => {
    const scripts = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['lint']).toMatch(/^npm run lint:graph && eslint /);
    expect(scripts['lint:graph']).toMatch(/^nx /);
    expect(await readFile(join(root, '.ci/run'), 'utf8')).toMatch(/^npm run lint$/m);
  });

  it(
    'in a fresh copy without a project graph, a wrong import fails lint and an allowed edge passes',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'courier-boundaries-'));
      try {
        const workspace = join(dir, 'workspace');
        await copyWorkspace(workspace);
        for (const probe of Object.values(probes)) await writeFile(join(workspace, probe.file), probe.code);
        const env = {
          ...process.env,
          NX_DAEMON: 'false',
          NX_NO_CLOUD: 'true',
          NX_CACHE_DIRECTORY: join(dir, 'nx-cache'),
          NX_WORKSPACE_DATA_DIRECTORY: join(dir, 'nx-workspace-data'),
        };
        await run('npm', ['run', '--silent', 'lint:graph'], { cwd: workspace, env, timeout: STEP_MS });
        const eslint = join(workspace, 'node_modules/eslint/bin/eslint.js');
        const files = Object.values(probes).map((p) => p.file);
        // eslint exits 1 when it finds errors; its JSON report is on stdout either way.
        const output = await run(process.execPath, [eslint, '--format', 'json', ...files], { cwd: workspace, env, timeout: STEP_MS, maxBuffer: 16 << 20 }).then(
          (r) => r.stdout,
          (error: { stdout?: string; stderr?: string }) => {
            if (!error.stdout) throw new Error(`eslint failed without a report: ${error.stderr ?? String(error)}`);
            return error.stdout;
          },
        );
        const results = JSON.parse(output) as EslintResult[];
        expect(boundaryErrors(results, probes.queueToDownload.file)).toEqual([
          expect.stringContaining('"scope:queue" can only depend on libs tagged with "scope:origin"'),
        ]);
        expect(boundaryErrors(results, probes.appToApp.file)).toEqual([expect.stringContaining('"type:app" can only depend on libs tagged with "type:lib"')]);
        expect(boundaryErrors(results, probes.schedulerToQueue.file)).toEqual([]);
        expect(boundaryErrors(results, probes.downloadToRedisScripts.file)).toEqual([]);
        expect(boundaryErrors(results, probes.redisScriptsToOrigin.file)).toEqual([expect.stringContaining('"scope:redis-scripts"')]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    STEP_MS * 3,
  );
});
