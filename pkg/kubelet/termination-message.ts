// terminationMessagePolicy FallbackToLogsOnError: a container that failed and wrote nothing to its
// terminationMessagePath gets the tail of its log as `terminated.message` (upstream: the last 80
// lines, at most 2048 bytes).
import * as fs from 'node:fs';
import type { ContainerSpec } from './pod-types';
import { parseCriLog } from './server/container-logs';

const MAX_LINES = 80;
const MAX_BYTES = 2048;
/** Read at most this much of the end of the log file to find the last lines. */
const READ_BYTES = 64 * 1024;

/** The last lines of a CRI log file (both streams), or undefined when it cannot be read or is empty. */
export function logTail(logPath: string, maxLines = MAX_LINES, maxBytes = MAX_BYTES): string | undefined {
  let text: string;
  try {
    const fd = fs.openSync(logPath, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, READ_BYTES);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8');
      if (len < size) text = text.slice(text.indexOf('\n') + 1);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const body = parseCriLog(text).lines.slice(-maxLines).map((l) => l.text).join('');
  if (!body) return undefined;
  const bytes = Buffer.from(body, 'utf8');
  return bytes.length <= maxBytes ? body : bytes.subarray(bytes.length - maxBytes).toString('utf8');
}

/** The message to report for an exited container under its terminationMessagePolicy. */
export function terminationMessage(spec: ContainerSpec | undefined, fromFile: string | undefined, exitCode: number, logPath: string): string | undefined {
  if (fromFile) return fromFile;
  if (spec?.terminationMessagePolicy !== 'FallbackToLogsOnError' || exitCode === 0 || !logPath) return undefined;
  return logTail(logPath);
}
