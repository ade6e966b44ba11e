// How the external-database suites (postgres, mysql, etcd) find their server: an environment
// variable printed by scripts/start-test-databases.sh. A missing variable FAILS the suite (so CI
// cannot go green without the database) unless K3TS_TEST_SKIP_EXTERNAL_DB=1 asks to skip it.
import { describe, it } from 'vitest';

export type ExternalDbVar = 'K3TS_TEST_POSTGRES_URL' | 'K3TS_TEST_MYSQL_URL' | 'K3TS_TEST_ETCD_URL';

/**
 * Calls `define(url)` to declare the suite when `variable` is set; otherwise declares a failing
 * (or, with K3TS_TEST_SKIP_EXTERNAL_DB=1, skipped) placeholder test explaining what to do.
 */
export function withExternalDb(title: string, variable: ExternalDbVar, define: (url: string) => void): void {
  const url = process.env[variable];
  if (url) {
    define(url);
    return;
  }
  if (process.env.K3TS_TEST_SKIP_EXTERNAL_DB === '1') {
    describe.skip(`${title} (skipped: K3TS_TEST_SKIP_EXTERNAL_DB=1 and ${variable} unset)`, () => {
      it('needs a database', () => {});
    });
    return;
  }
  describe(title, () => {
    it(`needs ${variable}`, () => {
      throw new Error(
        `${variable} is not set. Start the test databases and export their URLs with\n` +
          `  eval "$(scripts/start-test-databases.sh)"\n` +
          `(as root on Debian 12), or set K3TS_TEST_SKIP_EXTERNAL_DB=1 to skip the external-database suites.`,
      );
    });
  });
}

/** A short random suffix for per-run database, table and key-prefix names. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}
