import type { NativeConnection } from '@temporalio/worker';
import { resetBwrapAvailability } from '../../activities/sandbox';
import { atLeastFloor, sandboxFloor, setSandboxFloor } from '../../activities/sandbox/floor';
import { createFlotillaWorkers } from '../../worker/worker';

describe("the worker's sandbox floor (issue 22)", () => {
  afterEach(() => {
    setSandboxFloor(undefined);
    delete process.env.FLOTILLA_SANDBOX;
    delete process.env.FLOTILLA_BWRAP;
    resetBwrapAvailability();
  });

  it('is the higher of --sandbox and FLOTILLA_SANDBOX; none by default', () => {
    expect(sandboxFloor()).toBe('off');
    process.env.FLOTILLA_SANDBOX = 'auto';
    expect(sandboxFloor()).toBe('auto');
    setSandboxFloor('required');
    expect(sandboxFloor()).toBe('required');
    setSandboxFloor('off');
    expect(sandboxFloor()).toBe('auto');
    process.env.FLOTILLA_SANDBOX = 'sometimes';
    expect(() => sandboxFloor()).toThrow(/FLOTILLA_SANDBOX must be one of off, auto, required, not 'sometimes'/);
  });

  it('fails a run asking for off on a worker with a floor, raises auto to required, keeps what is above', () => {
    expect(atLeastFloor('off')).toBe('off');
    setSandboxFloor('auto');
    expect(() => atLeastFloor('off')).toThrow(
      "this run asks for --sandbox off, but this worker's floor is --sandbox auto",
    );
    setSandboxFloor('required');
    expect(atLeastFloor('auto')).toBe('required');
    expect(atLeastFloor('required')).toBe('required');
    expect(() => atLeastFloor('off')).toThrow(/floor is --sandbox required/);
  });

  it('a worker with --sandbox required does not start without bubblewrap', async () => {
    process.env.FLOTILLA_BWRAP = '/nonexistent/bwrap';
    resetBwrapAvailability();
    await expect(
      createFlotillaWorkers({
        connection: {} as NativeConnection,
        namespace: 'default',
        modelAccess: { apiKey: 'k' },
        sandboxFloor: 'required',
      }),
    ).rejects.toThrow(/flotilla worker --sandbox required .*, but bubblewrap is not available/);
  });
});
