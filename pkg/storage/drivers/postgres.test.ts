// The storage contract and the shared-database suite against a real PostgreSQL
// (K3TS_TEST_POSTGRES_URL from scripts/start-test-databases.sh). Each run works in a fresh
// database, each test in a fresh table; both are dropped afterwards.
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { runBackendContract } from '../contract.test-suite';
import { createPostgresBackend } from './postgres';
import { runId, withExternalDb } from './sql/external-db.test-helper';
import { runSharedDatabaseTests } from './sql/shared-database.test-suite';

withExternalDb('postgres driver', 'K3TS_TEST_POSTGRES_URL', (url) => {
  describe('postgres driver', () => {
    const database = `k3ts_t_${runId()}`;
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${database}`;
    let admin: pg.Pool;
    let tables = 0;

    beforeAll(async () => {
      const root = new pg.Client({ connectionString: url });
      await root.connect();
      await root.query(`CREATE DATABASE ${database}`);
      await root.end();
      admin = new pg.Pool({ connectionString: dbUrl.toString(), max: 2 });
    });

    afterAll(async () => {
      await admin?.end();
      const root = new pg.Client({ connectionString: url });
      await root.connect();
      await root.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await root.end();
    });

    const dropTable = async (table: string): Promise<void> => {
      await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_meta`);
    };

    runBackendContract('postgres', async () => {
      const table = `c${++tables}`;
      return { backend: createPostgresBackend({ url: dbUrl.toString(), table }), cleanup: () => dropTable(table) };
    });

    runSharedDatabaseTests('postgres', async () => {
      const table = `s${++tables}`;
      return {
        server: () => createPostgresBackend({ url: dbUrl.toString(), table }),
        cleanup: () => dropTable(table),
      };
    });
  });
});
