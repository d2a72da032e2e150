// Self time by function (and by package) of a .cpuprofile written by `node --cpu-prof`.
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));
const byId = new Map(profile.nodes.map((/** @type {any} */ n) => [n.id, n]));
/** @type {Map<number, number>} */
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
let total = 0;
/** @type {Map<string, number>} */
const fns = new Map();
/** @type {Map<string, number>} */
const where = new Map();
for (const [id, t] of self) {
  total += t;
  const { functionName, url, lineNumber } = /** @type {any} */ (byId.get(id)).callFrame;
  const file = url
    .replace(/^.*node_modules\/\.pnpm\/([^/]+)\/.*$/, '$1')
    .replace(/^.*\/packages\//, '');
  const key = `${functionName || '(anonymous)'} ${file ? `${file.split('/').slice(-3).join('/')}:${lineNumber + 1}` : ''}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
  const area =
    url === '' ? functionName : file.startsWith('node:') ? 'node internals' : file.split('/')[0];
  where.set(area, (where.get(area) ?? 0) + t);
}
const top = (/** @type {Map<string, number>} */ m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
console.log(`by area:\n${top(where, 12).join('\n')}`);
console.log(`\nby function (self):\n${top(fns, 25).join('\n')}`);
