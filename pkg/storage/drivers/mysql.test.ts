// The storage contract and the shared-database suite against a real MySQL/MariaDB
// (K3TS_TEST_MYSQL_URL from scripts/start-test-databases.sh). Each run works in a fresh
// database, each test in a fresh table; both are dropped afterwards.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe } from 'vitest';
import { runBackendContract } from '../contract.test-suite';
import { createMysqlBackend } from './mysql';
import { runId, withExternalDb } from './sql/external-db.test-helper';
import { runSharedDatabaseTests } from './sql/shared-database.test-suite';

withExternalDb('mysql driver', 'K3TS_TEST_MYSQL_URL', (url) => {
  describe('mysql driver', () => {
    // The test user may create databases named k3ts% (see scripts/start-test-databases.sh).
    const database = `k3ts_t_${runId()}`;
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${database}`;
    let admin: mysql.Pool;
    let tables = 0;

    beforeAll(async () => {
      const root = await mysql.createConnection({ uri: url });
      await root.query(`CREATE DATABASE ${database}`);
      await root.end();
      admin = mysql.createPool({ uri: dbUrl.toString(), connectionLimit: 2 });
    });

    afterAll(async () => {
      await admin?.end();
      const root = await mysql.createConnection({ uri: url });
      await root.query(`DROP DATABASE IF EXISTS ${database}`);
      await root.end();
    });

    const dropTable = async (table: string): Promise<void> => {
      await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_meta`);
    };

    runBackendContract('mysql', async () => {
      const table = `c${++tables}`;
      return { backend: createMysqlBackend({ url: dbUrl.toString(), table }), cleanup: () => dropTable(table) };
    });

    runSharedDatabaseTests('mysql', async () => {
      const table = `s${++tables}`;
      return {
        server: () => createMysqlBackend({ url: dbUrl.toString(), table }),
        cleanup: () => dropTable(table),
      };
    });
  });
});
