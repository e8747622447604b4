import { parseCommandLine } from '../../client/args';
import { runCommand } from '../../client/commands/run';
import { runSettingsFrom } from '../../client/run-settings';

describe('run settings from the command line', () => {
  it("takes --segment-tasks, and refuses more than Temporal's signal limit allows, saying why", () => {
    expect(runSettingsFrom(parseCommandLine(runCommand, ['--segment-tasks', '250']), '/tmp/repo').segmentTasks).toBe(
      250,
    );
    expect(runSettingsFrom(parseCommandLine(runCommand, []), '/tmp/repo').segmentTasks).toBeUndefined();
    expect(() => runSettingsFrom(parseCommandLine(runCommand, ['--segment-tasks', '5000']), '/tmp/repo')).toThrow(
      /at most 1200 \(got 5000\).*10,000 per execution/,
    );
    expect(() => runSettingsFrom(parseCommandLine(runCommand, ['--segment-tasks', '0']), '/tmp/repo')).toThrow(
      /--segment-tasks must be a whole number of at least 1/,
    );
  });
});

describe('--review and --review-model', () => {
  const settings = (args: string[]) => runSettingsFrom(parseCommandLine(runCommand, args), '/tmp/repo');
  it("default to gate with the run's model (left out of the settings), and take advisory, off and another model", () => {
    expect(settings([])).not.toHaveProperty('review');
    expect(settings([])).not.toHaveProperty('reviewModel');
    expect(settings(['--review', 'advisory']).review).toBe('advisory');
    expect(settings(['--review', 'off']).review).toBe('off');
    expect(settings(['--review', 'gate'])).not.toHaveProperty('review');
    expect(settings(['--review-model', 'claude-haiku-5-5']).reviewModel).toBe('claude-haiku-5-5');
    expect(() => settings(['--review', 'maybe'])).toThrow(
      /--review must be one of gate, advisory, off \(got "maybe"\)/,
    );
  });
});
