// The HTTP parts in a process of their own: the load generator then starts with a small heap, not
// with what the core part left (its major GCs showed up as 15 ms p99 stalls in every row).
// `node http-child.mjs <opts> [http|distinct|paired]`; the result goes to the parent over IPC.
import { runDistinct } from './distinct.mjs';
import { distinctFixture, serverFixture } from './fixtures.mjs';
import { runHttp } from './http.mjs';
import { runPaired } from './paired.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}');
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
if (process.argv[3] === 'paired') {
  const result = await runPaired(opts, await serverFixture(), log);
  process.send?.(result, () => process.exit(0));
} else if (process.argv[3] === 'distinct') {
  const result = await runDistinct(opts, await distinctFixture(opts.tokens), log);
  process.send?.(result, () => process.exit(0));
} else {
  const result = await runHttp(opts, await serverFixture(), log);
  process.send?.({ rows: [...result], pinned: 'pinned' in result ? result.pinned : false }, () =>
    process.exit(0),
  );
}
