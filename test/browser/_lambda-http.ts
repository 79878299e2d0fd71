/**
 * Serves one Lambda handler over real HTTP on a free loopback port, as API Gateway's HTTP API would hand it events
 * (payload v2): for a page whose iparams.json differs from the service's, without another `serverless offline`.
 */
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from '../helpers/ports.js';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface LambdaHttp {
  url: string;
  close(): Promise<void>;
}

export async function serveLambda(handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>): Promise<LambdaHttp> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      const answer = await handler({
        version: '2.0',
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        requestContext: { http: { method: req.method ?? 'GET', path: url.pathname } },
        body: chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined,
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2);
      const out = Object.fromEntries(Object.entries(answer.headers ?? {}).filter(([k]) => !k.startsWith('x-tessera-')));
      res.writeHead(answer.statusCode ?? 200, out as Record<string, string>).end(answer.body ?? '');
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return { url, close };
}
