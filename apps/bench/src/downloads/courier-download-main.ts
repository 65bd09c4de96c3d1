// Entry of the Courier side of the downloads suite (bundled by child-bundle.ts, spawned per round
// by courier-child.ts): one `download()` with the expected SHA-256, timed from the call to its
// resolution, then the process's peak RSS. A child of its own so its RSS is the download's, not
// the bench's.
import { createClient } from '@courier/origin';
import { download } from '@courier/download';
import { measureAndReport, readJob } from './child-report.ts';

const job = readJob('courier-download-main');
const client = createClient();
try {
  await measureAndReport(() => download(client, job.url, job.dst, { sha256: job.sha256, size: job.size, resume: false }));
} finally {
  await client.destroy();
  process.disconnect();
}
