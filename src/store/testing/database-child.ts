// A child process for multi-process store tests: opens the database named on the command line and
// does one job, reporting on stdout, so tests can race, block and kill real processes.
//   open <dataDir>                     open (and migrate), print "opened", close
//   hold <dataDir> <ms>                open, take the write lock for <ms>, print "locked" first
//   burst <dataDir>                    insert connections one by one, print each id once committed
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openDatabase } from '../database.ts';

const [mode, dataDir, arg] = process.argv.slice(2);
if (!mode || !dataDir) throw new Error('usage: database-child.ts <mode> <dataDir> [arg]');

const opened = await openDatabase({ databaseUrl: null, dataDir });
try {
  if (mode === 'open') {
    process.stdout.write('opened\n');
  } else if (mode === 'hold') {
    await opened.db.transaction().execute(async (trx) => {
      await sql`insert into connections (id, app, display_name, settings, created_at, updated_at)
        values ('held', 'directory', 'held', '{}', '', '')`.execute(trx);
      process.stdout.write('locked\n');
      await sleep(Number(arg ?? 1000));
    });
  } else if (mode === 'burst') {
    for (let i = 0; ; i++) {
      const id = `burst-${i}`;
      await opened.db
        .insertInto('connections')
        .values({
          id,
          app: 'directory',
          display_name: id,
          settings: '{}',
          secrets: null,
          created_at: '',
          updated_at: '',
        })
        .execute();
      // Printed only after the commit returned: this is the acknowledgement.
      process.stdout.write(`${id}\n`);
    }
  }
} finally {
  await opened.close();
}
