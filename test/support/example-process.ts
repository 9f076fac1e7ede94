import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ExampleProcess {
  baseUrl: string;
  /** Everything the server printed at start (the banner with the demo commands). */
  banner: string;
  /** Everything the server has printed so far (stdout and stderr), e.g. its decision log. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `examples/<name>/server.ts` as a user would (tsx), on a free port, and waits for its banner. */
export function startExample(name: 'express' | 'koa', env: Record<string, string> = {}): Promise<ExampleProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/server.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', KEYGATE_KEYS: '', REDIS_URL: '', KEYGATE_DATABASE_URL: '', ...env },
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
        resolve({ baseUrl: match[1]!, banner: output, output: () => output, stop });
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

export interface RawAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  text: string;
}

/**
 * Sends `head` (request line and headers, without the blank line) and `body` bytes exactly as given over a
 * plain socket, with `Connection: close`, and reads the answer: for what fetch cannot send (TRACE, a
 * malformed request line, `Content-Length: 00`, an empty chunked body).
 */
export function sendRaw(baseUrl: string, head: string, body: string | Buffer = ''): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return sendBytes(
    baseUrl,
    Buffer.concat([
      Buffer.from(`${head}\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`),
      Buffer.from(body),
    ]),
  );
}

/**
 * Sends `bytes` exactly as given (no Host, no Connection header added) and reads the answer until the server
 * closes the connection: an answer only counts once the server has let the connection go.
 */
export function sendBytes(baseUrl: string, bytes: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`));
      const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text: raw.slice(end + 4) });
    });
    // write, not end: Node drops a request whose client half-closes before the answer.
    socket.write(bytes);
  });
}
