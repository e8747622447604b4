import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A reporter for `node --test` (node's own custom-reporter interface) that writes one JSON line per test
 * event with the test's file. Node 20's built-in junit reporter leaves the file out, so tests of two files
 * with the same name could not be told apart; this keeps the file. Parsed by parseNodeEvents.
 */
export const NODE_REPORTER_SOURCE = `// Written by Flotilla: one JSON line per node:test event (see activities/test-runs/node-reporter.ts).
const text = (e) => {
  if (e == null) return '';
  const cause = e.cause;
  if (cause && typeof cause === 'object') return String(cause.stack || cause.message || cause);
  if (cause != null && cause !== '') return String(cause);
  return String(e.message || e);
};
export default async function* flotillaReporter(source) {
  for await (const event of source) {
    const d = event.data || {};
    if (event.type === 'test:pass' || event.type === 'test:fail') {
      const error = d.details && d.details.error;
      yield JSON.stringify({
        type: event.type === 'test:pass' ? 'pass' : 'fail',
        name: d.name, file: d.file, nesting: d.nesting,
        suite: !!(d.details && d.details.type === 'suite'),
        skip: d.skip !== undefined && d.skip !== false, todo: d.todo !== undefined && d.todo !== false,
        failureType: error && error.failureType,
        error: error ? text(error).slice(0, 2000) : undefined,
      }) + '\\n';
    } else if (event.type === 'test:start') {
      yield JSON.stringify({ type: 'start', name: d.name, file: d.file, nesting: d.nesting }) + '\\n';
    } else if (event.type === 'test:stderr' || event.type === 'test:stdout') {
      if (d.file) yield JSON.stringify({ type: event.type === 'test:stderr' ? 'stderr' : 'stdout', file: d.file, message: String(d.message).slice(0, 2000) }) + '\\n';
    }
  }
}
`;

/** Writes the reporter to `dir` (once) and returns its absolute path. */
export function ensureNodeReporter(dir: string): string {
  const file = path.resolve(dir, 'flotilla-node-reporter.mjs');
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== NODE_REPORTER_SOURCE)
    fs.writeFileSync(file, NODE_REPORTER_SOURCE);
  return file;
}
