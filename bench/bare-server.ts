// The baseline: a bare Node `http` server that reads each request body and answers a small canned
// SCIM ListResponse, the ceiling any SCIM server on this machine and runtime can reach.
// Run as its own process (`node --import tsx bench/bare-server.ts`); prints `listening <port>`.
import { createServer } from 'node:http';

const CANNED_LIST_RESPONSE = Buffer.from(
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: 1,
    itemsPerPage: 1,
    startIndex: 1,
    Resources: [
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        id: '2819c223-7f76-453a-919d-413861904646',
        userName: 'user000001@bench.example',
        name: { givenName: 'Bench', familyName: 'User000001' },
        emails: [{ value: 'user000001@bench.example', type: 'work', primary: true }],
        active: true,
        meta: {
          resourceType: 'User',
          created: '2026-01-01T00:00:00.000Z',
          lastModified: '2026-01-01T00:00:00.000Z',
          location: 'http://127.0.0.1/scim/v2/bench/Users/2819c223-7f76-453a-919d-413861904646',
          version: 'W/"1"',
        },
      },
    ],
  }),
);

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/scim+json; charset=utf-8',
      'content-length': CANNED_LIST_RESPONSE.length,
    });
    response.end(CANNED_LIST_RESPONSE);
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
