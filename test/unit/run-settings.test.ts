import { parseCommandLine } from '../../client/args';
import { runCommand } from '../../client/commands/run';
import { runSettingsFrom } from '../../client/run-settings';

describe('run settings from the command line', () => {
  it('takes --segment-tasks, and refuses more than Temporal\'s signal limit allows, saying why', () => {
    expect(runSettingsFrom(parseCommandLine(runCommand, ['--segment-tasks', '250']), '/tmp/repo').segmentTasks).toBe(250);
    expect(runSettingsFrom(parseCommandLine(runCommand, []), '/tmp/repo').segmentTasks).toBeUndefined();
    expect(() => runSettingsFrom(parseCommandLine(runCommand, ['--segment-tasks', '5000']), '/tmp/repo')).toThrow(/at most 1200 \(got 5000\).*10,000 per execution/);
    expect(() => runSettingsFrom(parseCommandLine(runCommand, ['--segment-tasks', '0']), '/tmp/repo')).toThrow(/--segment-tasks must be a whole number of at least 1/);
  });
});
