import { agentSlotsOf, identityWithSlots, polledSlots, slotsMismatch } from '../../worker/slots';

describe('agent slots told through the worker identity', () => {
  test('an identity carries its slots; one without them tells nothing', () => {
    expect(agentSlotsOf(identityWithSlots('123@box/box-123-abc', 16))).toBe(16);
    expect(agentSlotsOf('123@box/box-123-abc')).toBeUndefined();
  });

  test('the polling workers add up; those that do not say are counted apart', () => {
    expect(polledSlots([identityWithSlots('a', 4), identityWithSlots('b', 2), 'old'])).toEqual({
      workers: 3,
      slots: 6,
      unknown: 1,
    });
  });

  test('a run with more lanes than the workers have slots hears it; enough slots, or no worker, says nothing', () => {
    const q = 'flotilla-agents';
    expect(slotsMismatch(8, { workers: 1, slots: 4, unknown: 0 }, q)).toMatch(
      /--max-parallel 8, but the 1 worker polling flotilla-agents have 4 agent slots in all: at most 4 agents will run at once/,
    );
    expect(slotsMismatch(8, { workers: 1, slots: 0, unknown: 1 }, q)).toMatch(/did not say how many/);
    expect(slotsMismatch(8, { workers: 2, slots: 8, unknown: 0 }, q)).toBeUndefined();
    expect(slotsMismatch(8, { workers: 0, slots: 0, unknown: 0 }, q)).toBeUndefined();
  });
});
