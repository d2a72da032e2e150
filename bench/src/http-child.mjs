// The HTTP part in a process of its own: the load generator then starts with a small heap, not
// with what the core part left (its major GCs showed up as 15 ms p99 stalls in every row).
import { serverFixture } from './fixtures.mjs';
import { runHttp } from './http.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}');
const result = await runHttp(opts, await serverFixture(), (line) =>
  process.stderr.write(`${line}\n`),
);
process.send?.({ rows: [...result], pinned: 'pinned' in result ? result.pinned : false }, () =>
  process.exit(0),
);
