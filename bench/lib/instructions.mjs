// INSTR=1, core cases: instructions per call of one micro case (micro/verifier.mjs). A process under callgrind
// prepares, warms up, then makes N calls inside its counted window; a second process does the same with 2N
// calls. Per call = the difference / N, so whatever the window holds besides the calls cancels out.
import { fileURLToPath } from 'node:url';
import { countedInstructions, instrument, underCallgrind } from './callgrind.mjs';
import { forkNode } from './children.mjs';

const MICRO = fileURLToPath(new URL('../micro/verifier.mjs', import.meta.url));

async function countProcess(caseName, instr) {
  const { execPath, execArgv, outFile } = underCallgrind(['--expose-gc']);
  const child = forkNode(MICRO, { args: [JSON.stringify({ only: [caseName], instr })], execPath, execArgv });
  await child.first('instrument', 900_000);
  await instrument(child.child.pid);
  child.child.send({ type: 'instrumented' });
  await child.first('result', 900_000);
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`${caseName} under callgrind exited (${signal ?? `code ${code}`})`);
  return countedInstructions(outFile).total;
}

/** `{ perCall, calls, low, high }` of one micro case; the two processes run side by side. */
export async function instructionsPerCall(caseName, { warmup, calls }) {
  // Both processes prepare (sign) as many requests as the larger one uses, so only the counted calls differ.
  const prepared = warmup + 2 * calls;
  const [low, high] = await Promise.all([
    countProcess(caseName, { warmup, calls, prepared }),
    countProcess(caseName, { warmup, calls: 2 * calls, prepared }),
  ]);
  return { perCall: (high - low) / calls, calls, low, high };
}

/** `{ [case]: { perCall, … } }` of every case, plus `repeat` counted again (`again`), `parallel` pairs at a time. */
export async function countCore({ cases, repeat, warmup, calls, parallel = 1, log = console.log }) {
  const jobs = [
    ...cases.map((name) => ({ name, again: false })),
    ...cases.filter((name) => name === repeat).map((name) => ({ name, again: true })),
  ];
  const results = Object.fromEntries(cases.map((name) => [name, {}]));
  const worker = async () => {
    for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) {
      const count = await instructionsPerCall(job.name, { warmup, calls });
      if (job.again) results[job.name].again = count;
      else Object.assign(results[job.name], count);
      log(
        `  ${job.name.slice(0, 60).padEnd(60)} ${Math.round(count.perCall).toLocaleString('en').padStart(9)} instructions/call${job.again ? ' (again)' : ''}`,
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}
