// Reads a V8 .cpuprofile (node --cpu-prof) and sums it up: where the samples fall by self time, and how
// much of the run is spent inside keygate's own functions (inclusive: what they call, crypto included).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `file:///…/packages/core/dist/verifier.js` → `@keygate/core dist/verifier.js`; deps by package name. */
function where(url) {
  if (!url) return '';
  const keygate = /\/packages\/([^/]+)\/dist\/(.+)$/.exec(url);
  if (keygate) return `@keygate/${keygate[1]} ${keygate[2]}`;
  const dependency = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.+)$/.exec(url);
  if (dependency) return `${dependency[1]} ${dependency[2]}`;
  return url.replace(/^file:\/\/.*\/bench\//, 'bench/');
}

/** Samples with no package frame on the stack: Node's HTTP parser, event loop, timers, native work. */
export const NODE_ONLY = 'Node (no package on the stack)';

// Owners that call keygate (or that keygate hands the request on to): attribution stops there.
const CALLERS = /^(express|router|koa|koa-compose|finalhandler|bench \(app, harness\))$/;

const isKeygate = (url) => /\/packages\/[^/]+\/dist\//.test(url);

/** Who owns a frame: a keygate package, a dependency, the bench, or '' for Node internals and native code. */
function ownerOf(url) {
  if (!url || url.startsWith('node:')) return '';
  const keygate = /\/packages\/([^/]+)\/dist\//.exec(url);
  if (keygate) return `@keygate/${keygate[1]}`;
  const dependency = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dependency) return dependency[1];
  return url.includes('/bench/') ? 'bench (app, harness)' : url;
}

/** The newest .cpuprofile in `dir`. */
export function newestProfile(dir) {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort();
  if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  return join(dir, files.at(-1));
}

export function summarizeProfile(file, top = 12) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const label = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const place = where(url);
    return place ? `${functionName || '(anonymous)'} (${place}:${lineNumber + 1})` : functionName;
  };

  const self = new Map();
  const inclusive = new Map();
  // Each sample goes to the nearest frame that has an owner, so Node internals and native code (crypto,
  // header writing) count for the package that called them; what no package called is Node's own work.
  const owners = new Map();
  // Each sample also goes to the nearest keygate function above it, looking through Node internals and the
  // libraries keygate calls (lru-cache, ioredis), but not through the app or the framework that called keygate.
  const keygateFunctions = new Map();
  let inKeygate = 0;
  let idle = 0;
  for (const id of profile.samples) {
    const node = byId.get(id);
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + 1);
    if (name === '(idle)') idle++;
    let owner = '';
    for (let at = id; at !== undefined && owner === ''; at = parentOf.get(at))
      owner = ownerOf(byId.get(at).callFrame.url);
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at);
      if (isKeygate(frame.callFrame.url)) {
        const frameName = label(frame);
        keygateFunctions.set(frameName, (keygateFunctions.get(frameName) ?? 0) + 1);
        break;
      }
      if (CALLERS.test(ownerOf(frame.callFrame.url))) break;
    }
    if (name !== '(idle)') {
      const key = owner || (name === '(garbage collector)' ? 'GC' : NODE_ONLY);
      owners.set(key, (owners.get(key) ?? 0) + 1);
    }
    const seen = new Set();
    let keygate = false;
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at);
      if (!isKeygate(frame.callFrame.url)) continue;
      keygate = true;
      const frameName = label(frame);
      if (!seen.has(frameName)) inclusive.set(frameName, (inclusive.get(frameName) ?? 0) + 1);
      seen.add(frameName);
    }
    if (keygate) inKeygate++;
  }
  const busy = profile.samples.length - idle;
  const share = (count) => count / busy;
  const ranked = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, share: share(count) }));
  self.delete('(idle)');
  const keygateOwned = [...owners]
    .filter(([owner]) => owner.startsWith('@keygate/'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    file,
    busySamples: busy,
    keygateShare: share(inKeygate),
    keygateOwnedShare: share(keygateOwned),
    byOwner: ranked(owners),
    topSelf: ranked(self),
    keygateInclusive: ranked(inclusive),
    keygateFunctions: ranked(keygateFunctions),
  };
}
