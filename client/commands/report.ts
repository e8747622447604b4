import * as fs from 'node:fs';
import { writeReview } from '../../activities/records/review';
import { ParsedArgs, stringFlag, UsageError } from '../args';
import { fetchRunReport } from '../read-report';

/** `flotilla report RUN_ID`: writes and prints review.md (commits grouped, test evidence, rollback plan) for a run, finished or not. */
export async function reportCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const runId = args.positionals[0];
  if (!runId) throw new UsageError('usage: flotilla report RUN_ID');
  const file = await writeReview(await fetchRunReport(stringFlag(args, 'address'), runId));
  out(fs.readFileSync(file, 'utf8').trimEnd());
  out(`\n(written to ${file})`);
  return 0;
}
