// Instruction counts (INSTR=1): Node under `valgrind --tool=callgrind`, which counts executed instructions.
// Unlike time, the count does not move with the load of a shared machine, so ratios between cases are stable;
// it does not see memory latency (a cache miss costs nothing).
//
// The process runs uninstrumented (several times faster) until the parent switches instrumentation on with
// `callgrind_control`, after the warm-up. The process then marks its own counted window: callgrind zeroes its
// counters when Node enters the native function behind `process.getegid()` and writes them out when it enters
// the one behind `process.geteuid()`, both called by nothing else here. So the count holds exactly the work
// between the two calls, not the variable stretch of idle event loop while `callgrind_control` runs.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const outDir = fileURLToPath(new URL('../.tmp/callgrind/', import.meta.url));
let nextFile = 0;

// Compilation and GC on the main thread, and no clock-driven heap work (the memory reducer, bytecode flushing):
// nothing falls inside or outside the window by chance. What is left to chance is the JIT still compiling,
// which a long enough warm-up settles (the self-check in RESULTS.md shows it).
const NODE_ARGS = ['--single-threaded', '--no-memory-reducer', '--no-flush-bytecode'];

/** The `forkNode` options that run a Node script under callgrind, and the file its counted window lands in. */
export function underCallgrind(nodeArgs = []) {
  mkdirSync(outDir, { recursive: true });
  const outFile = `${outDir}${process.pid}-${nextFile++}.out`;
  const valgrind = [
    '--tool=callgrind',
    // V8 writes and patches machine code on its heap: without this, valgrind runs stale translations.
    '--smc-check=all-non-file',
    '--instr-atstart=no',
    '--zero-before=node::credentials::GetEGid*',
    '--dump-before=node::credentials::GetEUid*',
    '--dump-instr=no',
    `--callgrind-out-file=${outFile}`,
    '--log-file=/dev/null',
  ];
  return { execPath: 'valgrind', execArgv: [...valgrind, process.execPath, ...NODE_ARGS, ...nodeArgs], outFile };
}

/**
 * `{ total, gc }`: the instructions of the counted window of a process started with `underCallgrind` (after it
 * exited), and the part of them spent in V8's garbage collector. `KEEP_CALLGRIND=<path prefix>` keeps a copy of
 * each window's profile, for `callgrind_annotate`.
 */
export function countedInstructions(outFile) {
  const window = `${outFile}.1`;
  let text;
  try {
    text = readFileSync(window, 'utf8');
  } catch {
    throw new Error(`${window}: the process never closed its counted window`);
  } finally {
    rmSync(outFile, { force: true });
  }
  const match = /^totals:\s+(\d+)/m.exec(text);
  if (!match) throw new Error(`no instruction total in ${window}`);
  if (process.env.KEEP_CALLGRIND) copyFileSync(window, `${process.env.KEEP_CALLGRIND}-${process.pid}-${nextFile}.out`);
  const gc = inclusiveInstructions(window, 'v8::internal::Heap::CollectGarbage(');
  rmSync(window, { force: true });
  return { total: Number(match[1]), gc };
}

/** The inclusive instructions of the function whose name starts with `name` (0 if it never ran). */
function inclusiveInstructions(file, name) {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = annotated.split('\n').find((candidate) => candidate.includes(`:${name}`));
  return line === undefined ? 0 : Number(line.trim().split(' ')[0].replaceAll(',', ''));
}

/** Switches instrumentation on in a process started with `underCallgrind` (by pid, with `callgrind_control`). */
export async function instrument(pid) {
  await promisify(execFile)('callgrind_control', ['--instr=on', String(pid)], { timeout: 120_000 });
}

/** In the measured process: opens the counted window (a no-op outside callgrind). */
export const startCounting = () => process.getegid();
/** In the measured process: closes the counted window. */
export const stopCounting = () => process.geteuid();

/** Whether valgrind is installed (INSTR=1 needs it). */
export async function hasValgrind() {
  try {
    await promisify(execFile)('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
}
