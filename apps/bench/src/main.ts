// `npm run bench`: runs the suites named by --suite / BENCH_SUITE (all by default), prints their
// tables and rewrites their sections of docs/benchmarks.md. Settings: see settings.ts.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSection } from './report/docs-file.ts';
import { machineInfo } from './report/machine.ts';
import { rawSuiteData, writeRawData } from './report/raw-data.ts';
import { describeSettings, renderSection, renderText } from './report/render.ts';
import { runSuite } from './runner.ts';
import { readSettings } from './settings.ts';
import { pickSuites, suites } from './suites/index.ts';
import { exposeGc } from './system/gc.ts';
import { pinCores } from './system/pinning.ts';

const DOCS_FILE = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
const RAW_DATA_DIR = fileURLToPath(new URL('../../../docs/bench-data/', import.meta.url));
/** After the last suite, the process should end by itself; if a handle leaks, end it anyway. */
const EXIT_GRACE_MS = 5_000;

const usage = `usage: npm run bench [-- --suite <name>[,<name>]]
suites: ${suites.map((s) => s.name).join(', ')}
environment: BENCH_SUITE, BENCH_DURATION_MS, BENCH_WARMUP_MS, BENCH_ROUNDS, BENCH_CONNECTIONS,
  BENCH_INFLIGHT, BENCH_MAX_REQUESTS, BENCH_ORIGINS, BENCH_ONLY, BENCH_PIN, BENCH_WRITE`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { suite: { type: 'string', short: 's' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const settings = readSettings(process.env, values.suite);
  const selected = pickSuites(settings.suites);
  exposeGc();
  const pinning = pinCores(settings.pin);
  const settingsLine = describeSettings(settings, pinning.note);
  console.log(`bench: ${selected.map((s) => s.name).join(', ')}; ${settingsLine}`);

  for (const suite of selected) {
    const machine = machineInfo();
    console.log(`\n== ${suite.name}: ${suite.title}`);
    const outcome = await runSuite(suite, { settings, serverCore: pinning.serverCore, log: (line) => console.log(`  ${line}`) });
    if (outcome.rows.length === 0) {
      console.log('  no rows selected (BENCH_ONLY)');
      continue;
    }
    console.log(`\n${renderText(outcome.rows, outcome.verdicts)}`);
    if (settings.write) {
      await writeSection(DOCS_FILE, suite.name, renderSection(suite, outcome.rows, outcome.verdicts, machine, settingsLine));
      const raw = await writeRawData(RAW_DATA_DIR, rawSuiteData(suite.name, machine, settingsLine, outcome.rows, outcome.verdicts));
      console.log(`\nwrote the ${suite.name} section of ${DOCS_FILE} and every round's figures to ${raw}`);
    }
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => {
      console.error(`bench: something still holds the event loop ${EXIT_GRACE_MS} ms after the end; exiting`);
      process.exit(code);
    }, EXIT_GRACE_MS).unref();
  },
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
