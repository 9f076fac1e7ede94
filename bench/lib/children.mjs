// Child processes of the bench (servers, load generator, micro/scale runners, redis-server): started here,
// tracked, and ended by pid on exit, on errors and on SIGINT/SIGTERM, so nothing is left running.
import { fork, spawn } from 'node:child_process';

const running = new Set();

function track(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Kills every child still running (SIGTERM; the caller's exit follows). Synchronous, safe in 'exit'. */
export function killChildren() {
  for (const child of running) {
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
  }
  running.clear();
}

let installed = false;
/** Ends the children whatever way the bench ends. */
export function installCleanup() {
  if (installed) return;
  installed = true;
  process.once('exit', killChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping children`);
      killChildren();
      process.exit(130);
    });
  }
}

/** Starts a program that is not Node (redis-server). */
export function spawnTracked(command, args, options) {
  return track(spawn(command, args, options));
}

/**
 * Forks a Node script with an IPC channel (`execPath` and `execArgv` may put valgrind in front of Node).
 * `call(type, payload)` sends `{ type, id, ...payload }` and
 * resolves with the child's reply carrying the same id (rejects if it answers `{ error }` or exits).
 */
export function forkNode(
  script,
  { args = [], execArgv = [], execPath = process.execPath, env = process.env, stdio = 'inherit' } = {},
) {
  const child = track(
    fork(script, args, {
      execPath,
      execArgv,
      env,
      stdio: [stdio === 'inherit' ? 'ignore' : stdio, stdio, stdio, 'ipc'],
    }),
  );
  const pending = new Map();
  let nextId = 1;
  let exitError;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitError = new Error(`${script} exited (${signal ?? `code ${code}`})`);
      for (const { reject } of pending.values()) reject(exitError);
      pending.clear();
      resolve({ code, signal });
    });
  });
  child.on('message', (message) => {
    const waiting = pending.get(message?.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.error) waiting.reject(new Error(`${script}: ${message.error}`));
    else waiting.resolve(message);
  });

  function call(type, payload = {}) {
    if (exitError) return Promise.reject(exitError);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ type, id, ...payload });
    });
  }

  /** Waits for the child's first `{ type }` message sent on its own (e.g. `ready`). */
  function first(type, timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message) => {
        if (message?.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      exited.then(() => {
        clearTimeout(timer);
        reject(exitError);
      });
    });
  }

  /** Asks the child to exit on its own (so --cpu-prof can write its profile), then makes sure it did. */
  async function stop(timeoutMs = 10_000) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ type: 'exit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  return { child, call, first, stop, exited };
}

/** The child side: answers `{ type, id }` messages with `handlers[type](message)`; `exit` ends the process. */
export function serveParent(handlers) {
  process.on('message', async (message) => {
    if (message?.type === 'exit') process.exit(0);
    const handler = handlers[message?.type];
    if (!handler) return;
    try {
      process.send({ id: message.id, ...(await handler(message)) });
    } catch (error) {
      process.send({ id: message.id, error: error?.stack ?? String(error) });
    }
  });
  // The parent went away (crash, kill -9): never outlive it.
  process.on('disconnect', () => process.exit(0));
}
