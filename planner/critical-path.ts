import { type Plan } from './types';

/** The dependency chain with the most estimated minutes (the least time the run needs, with agents to spare). Pure. */
export function criticalPath(plan: Pick<Plan, 'tasks'>): { taskIds: string[]; minutes: number } {
  const best = new Map<string, { minutes: number; prev: string | null }>();
  const visit = (root: string) => {
    const stack = [root];
    while (stack.length) {
      const id = stack[stack.length - 1];
      const deps = plan.tasks[id].dependsOn.filter((d) => plan.tasks[d]);
      const pending = deps.filter((d) => !best.has(d));
      if (pending.length) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      if (best.has(id)) continue;
      let prev: string | null = null;
      for (const d of deps) if (prev === null || best.get(d)!.minutes > best.get(prev)!.minutes) prev = d;
      best.set(id, { minutes: plan.tasks[id].estimateMinutes + (prev ? best.get(prev)!.minutes : 0), prev });
    }
  };
  let end: string | null = null;
  for (const id of Object.keys(plan.tasks)) {
    visit(id);
    if (end === null || best.get(id)!.minutes > best.get(end)!.minutes) end = id;
  }
  const taskIds: string[] = [];
  for (let id = end; id; id = best.get(id)!.prev) taskIds.unshift(id);
  return { taskIds, minutes: end ? best.get(end)!.minutes : 0 };
}
