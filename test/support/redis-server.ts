import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A free loopback port, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface RedisServerOptions {
  /** Working directory (AOF, cluster config); reuse it to restart a server with its data. Default: none kept. */
  dir?: string;
  /** `appendonly yes` with `appendfsync everysec`, as the Redis store's README recommends. Needs `dir`. */
  appendOnly?: boolean;
  /** A one-node Redis Cluster: the caller assigns the slots (`CLUSTER ADDSLOTSRANGE 0 16383`). Needs `dir`. */
  cluster?: boolean;
}

/**
 * Starts a throw-away `redis-server` on a free loopback port, or on `port` when given. No persistence unless
 * `appendOnly` is set.
 */
export async function startRedisServer(port?: number, options: RedisServerOptions = {}): Promise<RedisServer> {
  if ((options.appendOnly || options.cluster) && options.dir === undefined)
    throw new Error('startRedisServer: dir is required');
  const chosen = port ?? (await freePort());
  const args = ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--protected-mode', 'yes'];
  args.push('--appendonly', options.appendOnly ? 'yes' : 'no');
  if (options.appendOnly) args.push('--appendfsync', 'everysec');
  if (options.dir !== undefined) args.push('--dir', options.dir);
  if (options.cluster) {
    // Announced, or CLUSTER SLOTS names no address until the node meets another, and clients cannot follow it.
    args.push(
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${chosen}.conf`,
      '--cluster-announce-ip',
      '127.0.0.1',
    );
  }
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
  });
  await Promise.race([waitForPort(chosen, 5000), exited]);
  exited.catch(() => {});
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
