// The `courier` command (`npm start` runs `courier serve`). Exit codes: 0 done, 1 failed, 2 usage.
import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2));
// Long-running commands (serve, worker) return once started; their signal handlers end the process.
if (code !== 0) process.exitCode = code;
