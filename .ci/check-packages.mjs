// Packs every publishable package as the registry would get it (pnpm pack: workspace ranges rewritten, only `files`)
// and checks each tarball with publint (package.json, exports, files) and Are the Types Wrong (types per entry
// point). Needs the packages built. Run: pnpm check:packages
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
// Under `pnpm run`, npm_execpath is pnpm itself; elsewhere pnpm must be on PATH.
const pnpm = (args, cwd) =>
  process.env.npm_execpath?.includes('pnpm')
    ? execFileSync(process.execPath, [process.env.npm_execpath, ...args], { cwd, stdio: 'pipe' })
    : execFileSync('pnpm', args, { cwd, stdio: 'pipe' });

const packs = mkdtempSync(join(tmpdir(), 'keygate-check-packages-'));
const failures = [];
try {
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    pnpm(['pack', '--pack-destination', packs], join(root, 'packages', dir));
    const tarball = join(
      packs,
      readdirSync(packs).find((file) => file.startsWith(`keygate-${dir}-`)),
    );
    const checks = [
      ['publint', [bin('publint'), 'run', tarball, '--strict']],
      // ESM only: `require()` of these packages is Node's require(esm) (≥ 20.19, 22.12), which the packaging test
      // runs for real; attw's CJS resolution modes would only report that there is no CommonJS build.
      ['attw', [bin('attw'), tarball, '--profile', 'esm-only', '--no-emoji', '--no-color']],
    ];
    for (const [tool, [command, ...args]] of checks) {
      try {
        execFileSync(command, args, { cwd: root, stdio: 'pipe', encoding: 'utf8' });
        console.log(`ok   ${tool.padEnd(8)} ${manifest.name}`);
      } catch (error) {
        failures.push(manifest.name);
        console.log(`FAIL ${tool.padEnd(8)} ${manifest.name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      }
    }
  }
} finally {
  rmSync(packs, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`check-packages: ${failures.length} failed check(s): ${[...new Set(failures)].join(', ')}`);
  process.exit(1);
}
