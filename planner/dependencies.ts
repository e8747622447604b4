import { type Task, type TaskProblem } from './types';

/**
 * Drops tasks whose dependencies cannot be satisfied (unknown, unusable, or in a cycle), transitively,
 * and reports each with the tasks involved. What is left can be ordered.
 */
export function checkDependencies(tasks: Task[], unusable: TaskProblem[]): { ready: Task[]; problems: TaskProblem[] } {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const unusableIds = new Map(unusable.filter((p) => p.id).map((p) => [p.id as string, p]));
  const problems: TaskProblem[] = [];
  const dropped = new Map<string, string>();

  for (const cycle of findCycles(tasks, byId)) {
    const path = [...cycle, cycle[0]].join(' → ');
    for (const id of cycle) dropped.set(id, `dependency cycle: ${path}`);
  }

  // Propagate: a task whose dependency is unknown, unusable or dropped is dropped too.
  let changed = true;
  while (changed) {
    changed = false;
    for (const t of tasks) {
      if (dropped.has(t.id)) continue;
      for (const dep of t.dependsOn) {
        let reason: string | undefined;
        if (dep === t.id) reason = `depends on itself`;
        else if (dropped.has(dep)) reason = `depends on ${dep}, which cannot run (${dropped.get(dep)})`;
        else if (unusableIds.has(dep)) reason = `depends on ${dep}, which cannot run (${unusableIds.get(dep)!.reason})`;
        else if (!byId.has(dep)) reason = `depends on unknown task ${dep}`;
        if (reason) {
          dropped.set(t.id, reason);
          changed = true;
          break;
        }
      }
    }
  }
  for (const t of tasks) {
    const reason = dropped.get(t.id);
    if (reason) problems.push({ file: t.sourcePath, id: t.id, reason });
  }
  return { ready: tasks.filter((t) => !dropped.has(t.id)), problems };
}

/** Strongly connected components with more than one task (or a self-loop), iteratively (no recursion limit). */
function findCycles(tasks: Task[], byId: Map<string, Task>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const root of tasks) {
    if (index.has(root.id)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root.id, next: 0 }];
    index.set(root.id, counter);
    low.set(root.id, counter++);
    stack.push(root.id);
    onStack.add(root.id);
    while (work.length) {
      const frame = work[work.length - 1];
      const deps = byId.get(frame.id)!.dependsOn.filter((d) => byId.has(d));
      if (frame.next < deps.length) {
        const dep = deps[frame.next++];
        if (!index.has(dep)) {
          index.set(dep, counter);
          low.set(dep, counter++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ id: dep, next: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(dep)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let id: string;
        do {
          id = stack.pop()!;
          onStack.delete(id);
          component.push(id);
        } while (id !== frame.id);
        const selfLoop = component.length === 1 && byId.get(component[0])!.dependsOn.includes(component[0]);
        if (component.length > 1 || selfLoop) cycles.push(component.reverse());
      }
    }
  }
  return cycles;
}
