// A child process for multi-process audit log tests: opens the database named on the command line,
// prints "ready", waits for a line on stdin so racing processes start together, then appends.
//   <dataDir | postgres URL> <postgres schema | -> <count> <label>
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuditLog } from './audit-log.ts';
import { openDatabase } from './database.ts';

const [location, schema, count, label] = process.argv.slice(2);
if (!location || !schema || !count || !label) {
  throw new Error('usage: audit-log-child.ts <dataDir|url> <schema|-> <count> <label>');
}
const isPostgres = location.startsWith('postgres');
const opened = await openDatabase(
  isPostgres
    ? { databaseUrl: location, dataDir: '/nonexistent', postgresSchema: schema, poolSize: 5 }
    : { databaseUrl: null, dataDir: location },
);
try {
  const audit = createAuditLog({ db: opened.db, dialect: opened.dialect });
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  // An open stdin would keep this process alive after its work.
  lines.close();
  await Promise.all(
    // Spread over a few milliseconds each, so the processes' appends interleave instead of one
    // process finishing all of its appends before the other starts.
    Array.from({ length: Number(count) }, async (_, n) => {
      await sleep(n * 15);
      return audit.append({
        actor: `process:${label}`,
        action: 'test.append',
        outcome: 'applied',
        content: { n },
      });
    }),
  );
  process.stdout.write('done\n');
} finally {
  await opened.close();
}
