/**
 * docs/security.md states every limit with its default; this keeps the page true: each row of its
 * table is checked against the configuration the server and the worker load from an empty
 * environment, and every limit variable the code knows is in the table.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, type CourierConfig } from '@courier/server';
import { loadWorkerConfig, type WorkerConfig } from '@courier/worker';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(fileURLToPath(new URL('../../docs/security.md', import.meta.url)), 'utf8');

/** `| \`VAR\` | default | … |` rows of the limits table. */
function documentedDefaults(): Map<string, string> {
  const section = doc.slice(doc.indexOf('## Limits and their defaults'));
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)) rows.set(match[1]!, match[2]!.trim());
  return rows;
}

type Source = { server: keyof CourierConfig } | { worker: keyof WorkerConfig };

const limits: Record<string, Source> = {
  COURIER_MAX_QUEUED_JOBS: { server: 'maxQueuedJobs' },
  COURIER_MAX_QUEUED_BYTES: { server: 'maxQueuedBytes' },
  COURIER_BODY_LIMIT: { server: 'bodyLimitBytes' },
  COURIER_MAX_BATCH: { server: 'maxBatch' },
  COURIER_MAX_WAIT_MS: { server: 'maxWaitMs' },
  COURIER_MAX_RESPONSE_BYTES: { worker: 'maxResponseBytes' },
  COURIER_MAX_TOTAL_TIMEOUT_MS: { worker: 'maxTotalTimeoutMs' },
  COURIER_MAX_DOWNLOAD_BYTES: { worker: 'maxDownloadBytes' },
  COURIER_MAX_DOWNLOAD_TIME_MS: { worker: 'maxDownloadTimeMs' },
  COURIER_DOWNLOAD_PART_MAX_AGE_MS: { worker: 'downloadPartMaxAgeMs' },
  COURIER_RESULTS_MAX_AGE_MS: { worker: 'resultsMaxAgeMs' },
  COURIER_RESULTS_MAX_BYTES: { worker: 'resultsMaxBytes' },
};

describe('docs/security.md', () => {
  const server = loadConfig({});
  const worker = loadWorkerConfig({});
  const rows = documentedDefaults();

  it('lists every limit, and nothing it does not check', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(limits).sort());
  });

  it.each(Object.entries(limits))('%s: the documented default is the one in force', (variable, source) => {
    const actual = 'server' in source ? server[source.server] : worker[source.worker];
    expect(rows.get(variable)).toBe(String(actual));
  });
});
