// Task queues: workflows and git work on the run's queue; agents and test runs each on their own,
// so Temporal's worker options cap them separately (agents wait on the network, tests use the cores).
export const agentQueue = (taskQueue: string) => `${taskQueue}-agents`;
export const testQueue = (taskQueue: string) => `${taskQueue}-tests`;
