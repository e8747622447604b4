import { parseArgs } from '../../client/args';
import { runSettingsFrom } from '../../client/run-settings';

describe('run settings from the command line', () => {
  it('takes --segment-tasks, and refuses more than Temporal\'s signal limit allows, saying why', () => {
    expect(runSettingsFrom(parseArgs(['--segment-tasks', '250']), '/tmp/repo').segmentTasks).toBe(250);
    expect(runSettingsFrom(parseArgs([]), '/tmp/repo').segmentTasks).toBeUndefined();
    expect(() => runSettingsFrom(parseArgs(['--segment-tasks', '5000']), '/tmp/repo')).toThrow(/at most 1200 \(got 5000\).*10,000 per execution/);
    expect(() => runSettingsFrom(parseArgs(['--segment-tasks', '0']), '/tmp/repo')).toThrow(/--segment-tasks must be a whole number of at least 1/);
  });
});
