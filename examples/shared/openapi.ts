import { openApiSecurity, openApiSecuritySchemes, type Verifier } from '@keygate/core';
import { ROUTES } from './routes.js';

const envelope = { $ref: '#/components/schemas/ErrorEnvelope' };
const refusal = (description: string) => ({ description, content: { 'application/json': { schema: envelope } } });

/**
 * The example API as an OpenAPI 3.1 document, served unauthenticated at `GET /openapi.json`: every route with the
 * credentials the verifier accepts and the scope the route requires (the same table both apps mount).
 */
export function openApiDocument(verifier: Verifier): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of ROUTES) {
    const operations = (paths[route.path] ??= {});
    operations[route.method.toLowerCase()] = {
      summary: `${route.method} ${route.path}${route.scope ? ` (scope ${route.scope})` : ''}`,
      security: openApiSecurity(verifier, ...(route.scope ? [route.scope] : [])),
      ...(route.method === 'POST' && {
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
      }),
      responses: {
        [route.method === 'POST' ? '201' : '200']: { description: 'Done' },
        '401': refusal('Missing, invalid or revoked credentials, or a bad signature (`WWW-Authenticate` set)'),
        ...(route.scope && { '403': refusal(`The key lacks the scope ${route.scope} (INSUFFICIENT_SCOPE)`) }),
        '429': refusal('Over the rate limit (`Retry-After` set)'),
        '503': refusal('A store keygate depends on is unavailable (AUTH_UNAVAILABLE)'),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'keygate example payments API', version: '1.0.0' },
    paths,
    components: {
      securitySchemes: openApiSecuritySchemes(verifier),
      schemas: {
        ErrorEnvelope: {
          type: 'object',
          required: ['success', 'error', 'requestId'],
          properties: {
            success: { const: false },
            error: {
              type: 'object',
              required: ['message', 'code', 'details'],
              properties: { message: { type: 'string' }, code: { type: 'string' }, details: { type: 'object' } },
            },
            requestId: { type: 'string' },
          },
        },
      },
    },
  };
}
