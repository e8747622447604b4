import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { conventionalResearch, parseResearch, type Research, ResearchError } from '../../planner/research';

/** The `.prompts/<folder>/<file>` paths of a repository (the prompts-folder convention), repo-relative. */
async function promptFiles(repoPath: string): Promise<string[]> {
  const root = path.join(repoPath, '.prompts');
  const folders = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const f of folders.filter((d) => d.isDirectory())) {
    for (const name of await fs.readdir(path.join(root, f.name)).catch(() => [] as string[]))
      out.push(`.prompts/${f.name}/${name}`);
  }
  return out;
}

/**
 * The research document: `given` (absolute, or relative to the repository), else the first `.prompts/<folder>/*research*.md`
 * of the repository, else none. A file that cannot be read or parsed is a ResearchError naming it.
 */
export async function readResearch(repoPath: string, given?: string): Promise<Research | undefined> {
  const file = given ?? conventionalResearch(await promptFiles(repoPath));
  if (!file) return undefined;
  const abs = path.resolve(repoPath, file);
  const shown = path.relative(repoPath, abs).startsWith('..') ? abs : path.relative(repoPath, abs);
  const text = await fs.readFile(abs, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ResearchError(shown, `it cannot be read (${err.code ?? err.message})`);
  });
  return parseResearch(shown, text);
}
