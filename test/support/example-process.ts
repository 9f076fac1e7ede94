import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ExampleProcess {
  baseUrl: string;
  /** Everything the server printed at start (the banner with the demo commands). */
  banner: string;
  stop(): Promise<void>;
}

/** Starts `examples/<name>/server.ts` as a user would (tsx), on a free port, and waits for its banner. */
export function startExample(name: 'express' | 'koa', env: Record<string, string> = {}): Promise<ExampleProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/server.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', KEYGATE_KEYS: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`example ${name} did not start:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/localhost:\d+)/.exec(output);
      // The banner is printed in one write; wait for its last line when on demo keys.
      if (match && (!output.includes('(demo keys') || /INSUFFICIENT_SCOPE[^\n]*\n[^\n]+\n/.test(output))) {
        clearTimeout(timer);
        resolve({ baseUrl: match[1]!, banner: output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`example ${name} exited with ${code}:\n${output}`));
    });
  });
}

/** Runs a shell command line exactly as printed, returning its stdout. */
export function runPrinted(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err}`))));
  });
}
