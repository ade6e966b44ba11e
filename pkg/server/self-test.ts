// Packaging smoke test (`k3ts self-test`): extract and load the embedded sqlite addon, write and
// read back a row. Proves a built executable carries a working native addon for its architecture.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { nativeSqliteBinding } from '../embed/native-sqlite';
import { silentLogger } from '../log/logger';

export async function selfTest(dataDir?: string): Promise<string> {
  const root = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-selftest-'));
  try {
    const nativeBinding = nativeSqliteBinding(path.join(root, 'data'), silentLogger());
    const db = new Database(':memory:', nativeBinding === undefined ? {} : { nativeBinding: nativeBinding as string });
    try {
      db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB)');
      db.prepare('INSERT INTO t VALUES (?, ?)').run('key', Buffer.from('value'));
      const row = db.prepare('SELECT v FROM t WHERE k = ?').get('key') as { v: Buffer } | undefined;
      if (row?.v.toString() !== 'value') throw new Error('sqlite round trip returned the wrong value');
      const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      return `sqlite ${version} round trip ok (${process.platform}/${process.arch}, ${nativeBinding === undefined ? 'addon from node_modules' : 'embedded addon'})\n`;
    } finally {
      db.close();
    }
  } finally {
    if (!dataDir) fs.rmSync(root, { recursive: true, force: true });
  }
}
