import { main } from '../../client/cli';

/** main() with its output captured: the exit code, stdout and stderr, and how long it took. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const started = Date.now();
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n'), ms: Date.now() - started };
}
