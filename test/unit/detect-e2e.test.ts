import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunReport } from '../../core/types';
import { detectE2eCommand } from '../../activities/test-runs/detect-e2e-command';
import { phaseSections } from '../../activities/records/review-phases';
import { buildPlan, renderPlanMarkdown, type Task } from '../../planner';

function repo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-e2e-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

describe('the e2e suite', () => {
  it('is detected from a script, a Playwright or Cypress config, or an e2e folder with its runner', () => {
    expect(
      detectE2eCommand(
        repo({ 'package.json': JSON.stringify({ scripts: { test: 'jest', 'test:e2e': 'playwright test' } }) }),
      ),
    ).toBe('npm run test:e2e --silent');
    expect(detectE2eCommand(repo({ 'package.json': JSON.stringify({ scripts: { e2e: 'cypress run' } }) }))).toBe(
      'npm run e2e --silent',
    );
    expect(detectE2eCommand(repo({ 'package.json': '{}', 'playwright.config.ts': '' }))).toBe('npx playwright test');
    expect(detectE2eCommand(repo({ 'cypress.config.js': '' }))).toBe('npx cypress run');
    expect(
      detectE2eCommand(
        repo({ 'package.json': JSON.stringify({ devDependencies: { jest: '29' } }), 'tests/e2e/a.test.js': '' }),
      ),
    ).toBe('npx jest tests/e2e');
    expect(detectE2eCommand(repo({ 'pyproject.toml': '', 'tests/e2e/test_a.py': '' }))).toBe(
      'python3 -m pytest -q tests/e2e',
    );
    expect(detectE2eCommand(repo({ 'package.json': JSON.stringify({ scripts: { test: 'jest' } }) }))).toBeNull();
    expect(detectE2eCommand(repo({ 'package.json': '{ not json', 'src/a.js': '' }))).toBeNull();
  });

  it("is named with its exact command in the plan's phase validation, with when it runs", () => {
    const t: Task = {
      id: 'TASK-0001',
      title: 't',
      category: 'docs',
      risk: 'low',
      files: ['a.js'],
      dependsOn: [],
      description: '',
      changes: [],
      sourcePath: 'tasks/TASK-0001.md',
    };
    const plan = buildPlan([t], [], { repoName: 'r', testCommand: 'npm test', sequentialRisk: 'high', maxParallel: 2 });
    const validation = (md: string) => md.slice(md.indexOf('<phase_validation>'), md.indexOf('</phase_validation>'));
    expect(validation(renderPlanMarkdown(plan, { e2eCommand: 'npm run test:e2e --silent' }))).toContain(
      "- [ ] Check e2e tests (`npm run test:e2e --silent` on the phase's last commit;",
    );
    expect(validation(renderPlanMarkdown(plan, { e2eCommand: 'npx playwright test', e2eAfter: 'run' }))).toContain(
      '- [ ] Check e2e tests (`npx playwright test`, once, on the final run branch: --e2e-after run)',
    );
    expect(validation(renderPlanMarkdown(plan, {}))).toContain('- [ ] Check e2e tests (none found:');
    expect(validation(renderPlanMarkdown(plan, {}))).toContain(
      "- [ ] Run full test suite (`npm test` on the phase's last commit",
    );
  });

  it('review.md has a section per phase: the suite, the e2e run, what was rolled back and skipped', () => {
    const e2e = {
      command: 'npm run test:e2e --silent',
      passed: false,
      exitCode: 1,
      failingTests: ['a stays 0'],
      logPath: '/l/phase-1-e2e.log',
      durationMs: 1,
      tail: '',
    };
    const report = {
      tasks: [
        {
          id: 'TASK-0001',
          title: 'a',
          status: 'skipped',
          phase: 1,
          batch: '1A',
          attempts: 1,
          reason:
            'rolled back: the e2e suite (npm run test:e2e --silent) failed after phase 1 with this change (a stays 0)',
        },
        { id: 'TASK-0002', title: 'b', status: 'committed', phase: 1, batch: '1A', attempts: 1 },
        { id: 'TASK-0003', title: 'c', status: 'committed', phase: 2, batch: '2A', attempts: 1 },
      ],
      phaseChecks: [
        { phase: '1', suiteReusedFrom: 'batch-1A', e2e, rolledBack: ['TASK-0001'] },
        {
          phase: '2',
          suiteReusedFrom: 'batch-2A',
          e2e: { ...e2e, passed: true, failingTests: [], exitCode: 0, flaky: ['sometimes'] },
        },
      ],
    } as unknown as RunReport;
    const md = phaseSections(report).join('\n');
    expect(md).toContain(
      "### Phase 1\n\n- Tasks: 1 committed, 1 not\n- Full suite on the phase's last commit: passed (the run of batch-1A, on that same commit)\n- End-to-end: FAILED (a stays 0)",
    );
    expect(md).toContain('- Rolled back because the e2e suite failed with them: TASK-0001');
    expect(md).toContain('- TASK-0001 skipped: rolled back: the e2e suite');
    expect(md).toContain('### Phase 2');
    expect(md).toContain('- Flaky tests seen (passed on a re-run, blamed on no task): sometimes');
    expect(phaseSections({ tasks: [] } as unknown as RunReport)).toEqual([]);
  });
});
