// Correctness checks on a fresh server, before any load: the case must really do what its label says.
import { BASIC_AUTHORIZATION, jsonBody, signedHeaders } from '../lib/fixtures.mjs';
import { JWT_AUTHORIZATION } from '../lib/jwt-fixtures.mjs';

async function send(port, path, { method = 'GET', headers = {}, body } = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body });
  await response.arrayBuffer();
  return response;
}

/** Returns the list of failed checks (empty when the case behaves). */
export async function preflight(benchCase, port) {
  const failures = [];
  const expect = (condition, what) => {
    if (!condition) failures.push(what);
  };

  let valid;
  if (benchCase.client === 'signed') {
    const body = jsonBody('preflight');
    const headers = signedHeaders(body);
    valid = await send(port, benchCase.path, { method: 'POST', headers, body });
    const replayed = await send(port, benchCase.path, { method: 'POST', headers, body });
    expect(replayed.status === 401, `a replayed signature got ${replayed.status}, not 401`);
    const { 'x-pelago-signature': _signature, 'x-pelago-timestamp': _timestamp, ...unsigned } = headers;
    const withoutSignature = await send(port, benchCase.path, { method: 'POST', headers: unsigned, body });
    expect(withoutSignature.status === 401, `an unsigned request got ${withoutSignature.status}, not 401`);
  } else if (benchCase.client === 'jwt') {
    valid = await send(port, benchCase.path, { headers: { authorization: JWT_AUTHORIZATION } });
    const forged = `${JWT_AUTHORIZATION.slice(0, -8)}AAAAAAAA`;
    const refused = await send(port, benchCase.path, { headers: { authorization: forged } });
    expect(refused.status === 401, `a token with a wrong signature got ${refused.status}, not 401`);
  } else {
    const headers = benchCase.client === 'basic' ? { authorization: BASIC_AUTHORIZATION } : {};
    valid = await send(port, benchCase.path, { headers });
  }
  expect(valid.status >= 200 && valid.status < 300, `a valid request got ${valid.status}`);
  if (benchCase.limitHeader) expect(valid.headers.has(benchCase.limitHeader), `no ${benchCase.limitHeader} header`);
  if (benchCase.auth) {
    const anonymous = await send(port, benchCase.path, { method: benchCase.client === 'signed' ? 'POST' : 'GET' });
    expect(anonymous.status === 401, `a request without credentials got ${anonymous.status}, not 401`);
    const wrong = await send(port, benchCase.path, {
      headers: { authorization: `Basic ${Buffer.from('pk_live_wrongwrongwrong:').toString('base64')}` },
    });
    expect(wrong.status === 401, `a wrong key got ${wrong.status}, not 401`);
  }
  return failures;
}
