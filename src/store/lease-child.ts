// A child process for multi-process lease tests: holds a lease with withLease, renewing it, and
// prints "held" once it has it; it then works until killed, so a test can crash a real holder.
//   <dataDir | postgres URL> <postgres schema | -> <lease name> <holder> <ttlMs> <renewEveryMs>
import { openDatabase } from './database.ts';
import { withLease } from './lease.ts';

const [location, schema, name, holder, ttlMs, renewEveryMs] = process.argv.slice(2);
if (!location || !schema || !name || !holder || !ttlMs || !renewEveryMs) {
  throw new Error('usage: lease-child.ts <dataDir|url> <schema|-> <name> <holder> <ttlMs> <renewEveryMs>');
}
const opened = await openDatabase(
  location.startsWith('postgres')
    ? { databaseUrl: location, dataDir: '/nonexistent', postgresSchema: schema, poolSize: 2 }
    : { databaseUrl: null, dataDir: location },
);
try {
  const outcome = await withLease(
    opened.db,
    name,
    holder,
    Number(ttlMs),
    async (signal) => {
      process.stdout.write('held\n');
      // Work that lasts until the process is killed or the lease is lost.
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    },
    { renewEveryMs: Number(renewEveryMs) },
  );
  if (!outcome.acquired) process.stdout.write('not acquired\n');
} finally {
  await opened.close();
}
