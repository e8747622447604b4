/** Which model does the work, as the plan and the records say it. Pure. */
export interface ModelInfo {
  /** The configured model id (--model, FLOTILLA_MODEL, or the default). */
  model: string;
  /** Set when the stand-in model (not Claude) answers instead, with why (e.g. "ANTHROPIC_API_KEY is not set"). */
  standIn?: string;
}

const FAMILIES = ['haiku', 'sonnet', 'opus'] as const;

/** The model's family ("haiku", "sonnet", "opus"), or undefined for an id that names none of them. */
export function modelFamily(model: string): (typeof FAMILIES)[number] | undefined {
  return FAMILIES.find((f) => new RegExp(`(^|[-_.])${f}([-_.]|$)`, 'i').test(model));
}

/**
 * The model as Claude Code's Task tool takes it: its alias ("haiku", "sonnet", "opus") when the id is one of
 * those families, else the id itself. "haiku" only when it is Haiku.
 */
export function taskToolModel(model: string): string {
  return modelFamily(model) ?? model;
}

/** "Claude Haiku (`claude-haiku-4-5`)", "`claude-sonnet-4-5`", or the stand-in, said as such. */
export function modelDisplay(m: ModelInfo): string {
  if (m.standIn)
    return `the stand-in model (not Claude: it applies each task's Change blocks; used because ${m.standIn}; with an API key, \`${m.model}\`)`;
  const family = modelFamily(m.model);
  return family ? `Claude ${family.charAt(0).toUpperCase()}${family.slice(1)} (\`${m.model}\`)` : `\`${m.model}\``;
}

/** The short name on each task line: the model id, or "stand-in" when the stand-in does the work. */
export function agentLabel(m: ModelInfo): string {
  return m.standIn ? `stand-in (not Claude; configured ${m.model})` : m.model;
}

/** The model that ran, for a record's "Model:" line: "`claude-sonnet-4-5`", or the stand-in with why and what was configured. */
export function describeModel(model: string, standIn?: string): string {
  return standIn ? `the stand-in (not Claude, because ${standIn}; configured \`${model}\`)` : `\`${model}\``;
}

/** How a record names the model that ran: the id, or "stand-in (configured <id>)". */
export function recordedModel(model: string, standIn: boolean): string {
  return standIn ? `stand-in, not Claude; configured ${model}` : model;
}
