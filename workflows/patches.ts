// Every patched() switch in workflows/, with its lifecycle (CONTRIBUTING.md, "The patch policy").
// test/replay/patches.test.ts checks that each patched('id') or deprecatePatch('id') in workflows/ is here, and that
// the recorded histories cover both sides of it. Empty since 0.2.0, the declared break that retired every earlier one.

export interface PatchRecord {
  /** The id given to patched() (and later to deprecatePatch()). */
  id: string;
  /** The day the patch was added, YYYY-MM-DD. */
  added: string;
  /** Scenarios under test/replay/histories/ that cover it: one recorded before the change (its old side) and one after (its new side). */
  recorded: { without: string; with: string };
  /** The release in which patched(id) becomes deprecatePatch(id) and its old branch goes: once no run started before the patch can be in flight. */
  deprecateIn: string;
  /** The release in which deprecatePatch(id) goes too: once no run started before `deprecateIn` can be in flight. */
  removeIn: string;
}

export const PATCHES: readonly PatchRecord[] = [];
