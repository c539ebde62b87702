// Where a server's CPU time went: reads a V8 .cpuprofile (from `npm run bench -- --cpu-prof`) and
// prints the functions with the most self time and the time per package or source folder.
// Usage: node --import tsx bench/profile-summary.ts bench/results/profiles/roster-sqlite.cpuprofile [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, topText] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topText ?? '30');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const selfMicros = new Map<number, number>();
profile.samples.forEach((nodeId, i) => {
  selfMicros.set(nodeId, (selfMicros.get(nodeId) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const frame = nodes.get(id)?.callFrame;
  if (!frame) continue;
  const where = shortUrl(frame.url);
  const name = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  const area = areaOf(frame);
  byArea.set(area, (byArea.get(area) ?? 0) + micros);
}

const print = (title: string, entries: Map<string, number>, limit: number): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit))
    process.stdout.write(`${((micros / total) * 100).toFixed(1).padStart(6)} %  ${name}\n`);
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n`);
print('Self time by area', byArea, 25);
print(`Self time by function (top ${top})`, byFunction, top);

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) return url.slice(modules + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src !== -1) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** The npm package, the `src/<part>` folder, `node:` internals, or V8's own buckets. */
function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return `(${functionName || 'native'})`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const src = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (src?.[1]) return src[1];
  if (url.startsWith('node:')) return url.split('/')[0] ?? url;
  return url;
}
