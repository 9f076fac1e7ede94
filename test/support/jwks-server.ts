/**
 * A local JWKS endpoint (node:http on 127.0.0.1, never the internet) whose keys, health and speed a test
 * changes while the verifier runs: rotation (a new `kid`), an outage, a slow answer, a redirect, an endless body.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

export interface JwksServer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json` */
  url: string;
  /** The keys served from now on. */
  setKeys(keys: JWK[]): void;
  /**
   * `ok`: 200 with the keys; `error`: 500; `down`: the connection is dropped without an answer; `redirect`: 302 to
   * a path that serves the keys; `endless`: 200 and a body that never ends (whitespace after the keys' start);
   * `trickle`: 200 and that body one byte every 100 ms (a slowloris).
   */
  setMode(mode: JwksMode): void;
  /** Wait before answering, in ms (0 = at once). */
  setDelay(ms: number): void;
  /** How many requests reached the endpoint. */
  readonly fetches: number;
  close(): Promise<void>;
}

export type JwksMode = 'ok' | 'error' | 'down' | 'redirect' | 'endless' | 'trickle';

/** Writes the start of a key set, then one space every 100 ms, until the connection closes. */
function trickleBody(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"keys":[');
  const timer = setInterval(() => res.write(' '), 100);
  res.on('close', () => clearInterval(timer));
}

/** Writes whitespace as fast as the client reads it, until the connection closes. */
function endlessBody(res: ServerResponse): void {
  const chunk = ' '.repeat(64 * 1024);
  const write = () => {
    while (!res.destroyed && res.write(chunk));
  };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"keys":[');
  res.on('drain', write);
  write();
}

export async function startJwksServer(keys: JWK[] = []): Promise<JwksServer> {
  let served = keys;
  let mode: JwksMode = 'ok';
  let delay = 0;
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    fetches++;
    const keySet = () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    if (req.url === '/moved/jwks.json') return keySet();
    const answer = () => {
      if (mode === 'down') return req.socket.destroy();
      if (mode === 'error') return res.writeHead(500).end('{"error":"internal"}');
      if (mode === 'redirect') return res.writeHead(302, { location: '/moved/jwks.json' }).end();
      if (mode === 'endless') return endlessBody(res);
      if (mode === 'trickle') return trickleBody(res);
      keySet();
    };
    if (delay === 0) return answer();
    const timer = setTimeout(answer, delay);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    setKeys: (next) => void (served = next),
    setMode: (next) => void (mode = next),
    setDelay: (ms) => void (delay = ms),
    get fetches() {
      return fetches;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
