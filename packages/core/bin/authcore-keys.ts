#!/usr/bin/env node
// `npx authcore-keys …` / `pnpm exec authcore-keys …`: see ./cli.ts and `authcore-keys --help`.
import { runKeysCli } from './cli.js';

process.exitCode = await runKeysCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
