// The floor of a real SCIM lookup on SQLite: node:http, one prepared better-sqlite3 statement on the
// benchmark's own database, and the JSON of a ListResponse — no framework, no authentication, no
// projection, no group memberships. What Roster adds on top is the distance to this figure; the bare
// server says what the machine can do without a database at all.
// Usage: node --import tsx bench/sqlite-floor-server.ts <roster.db> <connection>; prints `listening <port>`.
import { createServer } from 'node:http';
import Database from 'better-sqlite3';

const [file, connectionId] = process.argv.slice(2);
if (file === undefined || connectionId === undefined) {
  process.stderr.write('usage: sqlite-floor-server.ts <roster.db> <connection>\n');
  process.exit(2);
}
const db = new Database(file, { readonly: true });
const lookup = db.prepare<
  [string, string],
  { id: string; data: string; version: number; created_at: string; last_modified: string }
>(
  `select id, data, version, created_at, last_modified from scim_resources
   where connection_id = ? and resource_type = 'User' and user_name_key = ?`,
);
const USER_NAME_EQ = /userName eq "([^"]*)"/;

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const filter = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('filter') ?? '';
    const row = lookup.get(connectionId, (USER_NAME_EQ.exec(filter)?.[1] ?? '').toLowerCase());
    const resources = row
      ? [
          {
            ...(JSON.parse(row.data) as Record<string, unknown>),
            id: row.id,
            meta: {
              resourceType: 'User',
              created: row.created_at,
              lastModified: row.last_modified,
              location: `http://127.0.0.1/scim/v2/${connectionId}/Users/${row.id}`,
              version: `W/"${row.version}"`,
            },
          },
        ]
      : [];
    const body = JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: resources.length,
      itemsPerPage: resources.length,
      startIndex: 1,
      Resources: resources,
    });
    response.writeHead(200, {
      'content-type': 'application/scim+json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
