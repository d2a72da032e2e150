import { runDemo } from './run.js';

// `pnpm demo`: Ctrl-C (SIGINT) or SIGTERM closes the servers and exits 0. Under `pnpm`, the
// terminal's SIGINT and the one pnpm forwards arrive together: both mean "stop". A second Ctrl-C
// a second later, while the servers are still closing, exits at once.
const controller = new AbortController();
let stoppingSince = 0;
const stop = () => {
  if (!controller.signal.aborted) {
    stoppingSince = Date.now();
    controller.abort();
  } else if (Date.now() - stoppingSince > 1000) process.exit(130);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

process.exitCode = await runDemo({
  env: process.env,
  argv: process.argv.slice(2),
  log: (line) => console.log(line),
  signal: controller.signal,
});
