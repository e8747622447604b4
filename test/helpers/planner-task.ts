import type { Task } from '../../planner';

/** A low-risk docs task of the planner's tests, titled by its id, on src/<id>.ts; `over` changes any field. */
export function plannerTask(id: string, over: Partial<Task> = {}): Task {
  return {
    id,
    title: id,
    category: 'docs',
    risk: 'low',
    files: [`src/${id}.ts`],
    dependsOn: [],
    description: '',
    changes: [],
    sourcePath: `tasks/${id}.md`,
    ...over,
  };
}
