import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../helpers/cli';

// Nothing in these tests may start a server, a worker or a demo repository: these fail loudly if called.
jest.mock('../../client/local-stack', () => ({
  startLocalStack: jest.fn(async () => {
    throw new Error('startLocalStack must not be called');
  }),
}));
jest.mock('../../dev/demo-repo', () => ({
  createDemoRepo: jest.fn(async () => {
    throw new Error('createDemoRepo must not be called');
  }),
}));
jest.mock('../../dev/stand-in-model', () => ({
  startStandInModel: jest.fn(async () => {
    throw new Error('startStandInModel must not be called');
  }),
}));

import { Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { COMMANDS } from '../../client/cli';
import { commandHelp, parseCommandLine } from '../../client/args';
import { temporalSettings } from '../../client/connection';
import { startLocalStack } from '../../client/local-stack';
import { createDemoRepo } from '../../dev/demo-repo';
import { startStandInModel } from '../../dev/stand-in-model';
import { freePort } from '../../dev/temporal-server';

const pkgVersion = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

let connect: jest.SpyInstance;
const savedEnv = { ...process.env };
let cwd: string;

beforeAll(async () => {
  // A port nobody listens on: a command that tried to connect would fail (or hang), not return 0 at once.
  process.env.TEMPORAL_ADDRESS = `127.0.0.1:${await freePort()}`;
  cwd = process.cwd();
  process.chdir(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-args-')));
});

afterAll(() => {
  process.chdir(cwd);
  process.env = savedEnv;
});

beforeEach(() => {
  connect = jest.spyOn(Connection, 'connect').mockRejectedValue(new Error('connect refused by the test'));
  jest.mocked(startLocalStack).mockClear();
  jest.mocked(createDemoRepo).mockClear();
  jest.mocked(startStandInModel).mockClear();
});

afterEach(() => connect.mockRestore());

function expectNoSideEffects() {
  expect(connect).not.toHaveBeenCalled();
  expect(startLocalStack).not.toHaveBeenCalled();
  expect(createDemoRepo).not.toHaveBeenCalled();
  expect(startStandInModel).not.toHaveBeenCalled();
  expect(fs.readdirSync(process.cwd())).toEqual([]);
}

describe('flotilla <command> --help', () => {
  const names = COMMANDS.map((c) => c.name);

  it('covers every command', () => {
    expect(names.sort()).toEqual([
      'abort',
      'approve',
      'demo',
      'dev',
      'discover',
      'eval',
      'gc',
      'pause',
      'plan',
      'report',
      'resume',
      'retry',
      'rollback',
      'run',
      'runs',
      'skip',
      'status',
      'watch',
      'worker',
    ]);
  });

  for (const command of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      it(`${command.name} ${flag} prints usage, every flag with its default and an example, exits 0 and does nothing else`, async () => {
        const r = await cli(command.name, flag);
        expect(r.code).toBe(0);
        expect(r.err).toBe('');
        expect(r.ms).toBeLessThan(2000);
        expect(r.out).toContain(`Usage: flotilla ${command.name}`);
        expect(r.out).toMatch(/Examples?:\n  flotilla /);
        for (const [name, f] of Object.entries(command.flags)) {
          const line = r.out
            .split('\n')
            .find((l) => l.trimStart().startsWith(`--${name} `) || l.trim() === `--${name}`);
          expect(line).toBeDefined();
          const d = f.defaultText ?? (f.default !== undefined && f.default !== false ? String(f.default) : undefined);
          if (d !== undefined) expect(line).toContain(`[default: ${d}]`);
        }
        for (const p of command.positionals ?? []) expect(r.out).toContain(p.name);
        expectNoSideEffects();
      });
    }
  }

  it('wins over everything else on the line: run --wait --help does not start a run, status -h looks up no run named "-h"', async () => {
    const run = await cli('run', '--repo', '.', '--wait', '--help');
    expect(run.code).toBe(0);
    expect(run.out).toContain('Usage: flotilla run [options]');
    expect(run.out).toMatch(/--max-parallel N +lanes: .*\[default: 4\]/);
    expect(run.out).toMatch(/--sequential-risk LEVEL +.*\(one of low, medium, high, none\) \[default: high\]/);
    const status = await cli('status', '-h');
    expect(status.code).toBe(0);
    expect(status.out).toContain('Usage: flotilla status RUN_ID [options]');
    expect(status.out).not.toContain('Could not find run');
    // Even with a mistake elsewhere on the line, help is what was asked for.
    const plan = await cli('plan', '--max-paralel', '3', '--help');
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('Usage: flotilla plan');
    for (const argv of [
      ['demo', '--help'],
      ['dev', '--port', '7999', '-h'],
      ['worker', '--help'],
    ])
      expect((await cli(...argv)).code).toBe(0);
    expectNoSideEffects();
  });

  it('flotilla help COMMAND prints the same help; --help and help print the overview with the exit codes', async () => {
    const viaHelp = await cli('help', 'runs');
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out).toBe((await cli('runs', '--help')).out);
    expect(viaHelp.out).toBe(commandHelp(COMMANDS.find((c) => c.name === 'runs')!));
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await cli(...argv);
      expect(r.code).toBe(0);
      for (const name of names) expect(r.out).toContain(`flotilla ${name}`);
      expect(r.out).toMatch(/Exit codes:\n {2}0 {2}success.*\n {2}1 {2}failure[^]*\n {2}2 {2}usage error/);
      expect(r.out).toContain('--address HOST:PORT, --namespace NS and --profile NAME');
    }
    const unknown = await cli('help', 'stauts');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('flotilla: unknown command "stauts" (did you mean status?)');
    expectNoSideEffects();
  });

  it('without a command, prints the overview on stderr and exits 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: flotilla <command>');
  });
});

describe('flotilla --version', () => {
  it("prints package.json's version", async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.out).toBe(pkgVersion);
    }
    expect((await cli('--help')).out.split('\n')[0]).toContain(`flotilla ${pkgVersion}:`);
  });
});

describe('usage errors exit 2 and say what is wrong', () => {
  const cases: [string[], string][] = [
    [['plan', '--max-paralel', '3'], 'flotilla plan: unknown option --max-paralel (did you mean --max-parallel?)'],
    [['run', '--repo', '.', '--wiat'], 'flotilla run: unknown option --wiat (did you mean --wait?)'],
    [['runs', '--bogus', '--json'], 'flotilla runs: unknown option --bogus'],
    [['status', 'r1', '-x'], 'flotilla status: unknown option -x'],
    [['gc', '--adress', 'localhost:7233'], 'flotilla gc: unknown option --adress (did you mean --address?)'],
    [['status'], 'flotilla status: missing RUN_ID'],
    [['report'], 'flotilla report: missing RUN_ID'],
    [['skip', 'r1'], 'flotilla skip: missing TASK_ID'],
    [['approve'], 'flotilla approve: missing RUN_ID and TASK_ID'],
    [['pause', 'r1', 'TASK-0001'], 'flotilla pause: unexpected argument "TASK-0001" (it takes RUN_ID)'],
    [['runs', 'extra'], 'flotilla runs: unexpected argument "extra" (it takes no arguments)'],
    [['runs', '--limit', 'ten'], 'flotilla runs: --limit must be a whole number of at least 1 (got "ten")'],
    [['run', '--max-parallel', '2.5'], 'flotilla run: --max-parallel must be a whole number of at least 1 (got "2.5")'],
    [['run', '--attempts', '0'], 'flotilla run: --attempts must be a whole number of at least 1 (got "0")'],
    [
      ['run', '--sequential-risk', 'extreme'],
      'flotilla run: --sequential-risk must be one of low, medium, high, none (got "extreme")',
    ],
    [
      ['run', '--run-id', 'bad/id'],
      'flotilla run: --run-id may only use letters, digits, ".", "_" and "-" (got "bad/id")',
    ],
    [
      ['resume', 'r1', '--budget-usd=abc'],
      'flotilla resume: --budget-usd must be a positive number of dollars (got "abc")',
    ],
    [
      ['resume', 'r1', '--budget-usd', '-5'],
      'flotilla resume: --budget-usd X: the value is missing (to give "-5" as the value, write --budget-usd=-5)',
    ],
    [['plan', '--repo'], 'flotilla plan: --repo DIR: the value is missing'],
    [['status', 'r1', '--json=yes'], 'flotilla status: --json takes no value (got "yes")'],
    [['dev', '--port', 'http'], 'flotilla dev: --port must be a whole number of at least 1 (got "http")'],
    [['worker', '--agent-rpm', '0'], 'flotilla worker: --agent-rpm must be a whole number of at least 1 (got "0")'],
  ];
  for (const [argv, message] of cases) {
    it(`flotilla ${argv.join(' ')}`, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toBe(`${message}\nsee flotilla ${argv[0]} --help`);
      expectNoSideEffects();
    });
  }

  it('names an unknown command, with a guess', async () => {
    const r = await cli('stauts', 'r1');
    expect(r.code).toBe(2);
    expect(r.err).toBe('flotilla: unknown command "stauts" (did you mean status?)\nsee flotilla --help');
    const opt = await cli('--verison');
    expect(opt.code).toBe(2);
    expect(opt.err).toContain('flotilla: unknown option --verison (did you mean --version?)');
  });

  it('names every unknown option at once', async () => {
    const r = await cli('plan', '--max-paralel', '3', '--jsn');
    expect(r.err.split('\n')[0]).toBe(
      'flotilla plan: unknown option --max-paralel (did you mean --max-parallel?); unknown option --jsn (did you mean --json?)',
    );
  });

  it('takes a positional that starts with "-" after --', () => {
    const args = parseCommandLine(
      COMMANDS.find((c) => c.name === 'status')!,
      ['--', '-odd-run-id'],
    );
    expect(args.positionals).toEqual(['-odd-run-id']);
  });
});

describe('parsed values', () => {
  const run = COMMANDS.find((c) => c.name === 'run')!;

  it('applies declared defaults and turns numeric flags into numbers', () => {
    const a = parseCommandLine(run, ['--max-parallel', '8', '--budget-usd', '2.5', '--wait']);
    expect(a.flags).toMatchObject({
      repo: '.',
      'max-parallel': 8,
      attempts: 2,
      'max-turns': 30,
      'sequential-risk': 'high',
      'budget-usd': 2.5,
      wait: true,
    });
    expect(a.flags['segment-tasks']).toBeUndefined();
    expect(parseCommandLine(run, ['--max-parallel=3']).flags['max-parallel']).toBe(3);
  });
});

describe('connection flags', () => {
  it('every command that talks to Temporal takes --address, --namespace and --profile; the others do not', () => {
    const talking = COMMANDS.filter((c) => 'address' in c.flags)
      .map((c) => c.name)
      .sort();
    expect(talking).toEqual([
      'abort',
      'approve',
      'gc',
      'pause',
      'report',
      'resume',
      'retry',
      'rollback',
      'run',
      'runs',
      'skip',
      'status',
      'watch',
      'worker',
    ]);
    for (const c of COMMANDS.filter((x) => talking.includes(x.name)))
      expect(Object.keys(c.flags)).toEqual(expect.arrayContaining(['address', 'namespace', 'profile']));
  });

  it('are handed to the connection: status --address --namespace connects there', async () => {
    const r = await cli('status', 'r1', '--address', '127.0.0.1:1', '--namespace', 'elsewhere');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'flotilla status: Cannot reach the Temporal server at 127.0.0.1:1 (from the command line; connect refused by the test)',
    );
    expect(connect).toHaveBeenCalledTimes(1);
    expect(connect.mock.calls[0][0]).toMatchObject({ address: '127.0.0.1:1' });
  });

  it('temporalSettings takes { address, namespace, profile } over envconfig, and the profile from the config file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-envconfig-'));
    const file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(file, '[profile.staging]\naddress = "staging.example:7233"\nnamespace = "stage"\n');
    const saved = { ...process.env };
    try {
      delete process.env.TEMPORAL_ADDRESS;
      delete process.env.TEMPORAL_NAMESPACE;
      process.env.TEMPORAL_CONFIG_FILE = file;
      expect(temporalSettings({ profile: 'staging' })).toMatchObject({
        address: 'staging.example:7233',
        namespace: 'stage',
      });
      expect(temporalSettings({ profile: 'staging', address: 'other:1', namespace: 'ns2' })).toMatchObject({
        address: 'other:1',
        namespace: 'ns2',
        connectionOptions: { address: 'other:1' },
      });
      expect(temporalSettings({})).toMatchObject({ address: 'localhost:7233', namespace: 'default' });
      expect(() => temporalSettings({ profile: 'nope' })).toThrow(/Profile 'nope' not found/);
    } finally {
      process.env = saved;
    }
  });

  it('a missing profile is a failure named by the command (exit 1), before any connection', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-envconfig-'));
    process.env.TEMPORAL_CONFIG_FILE = path.join(dir, 'none.toml');
    try {
      const r = await cli('runs', '--profile', 'nope');
      expect(r.code).toBe(1);
      expect(r.err).toContain("Profile 'nope' not found in config data");
      expect(connect).not.toHaveBeenCalled();
    } finally {
      delete process.env.TEMPORAL_CONFIG_FILE;
    }
  });
});

describe('one name per meaning: worker slots, agent starts, the stand-in', () => {
  const fakeStack = () =>
    ({
      address: 'x',
      namespace: 'default',
      settings: {},
      uiUrl: null,
      worker: null,
      workerDone: Promise.resolve(),
      stop: async () => undefined,
    }) as never;

  it('worker --agent-slots N sets the agent slots; --max-parallel is a deprecated alias that says so', async () => {
    jest.mocked(startLocalStack).mockImplementationOnce(async () => fakeStack());
    let r = await cli('worker', '--agent-slots', '6', '--stand-in');
    expect(r.code).toBe(0);
    expect(jest.mocked(startLocalStack).mock.calls[0][0]).toMatchObject({
      maxParallel: 6,
      standIn: true,
      external: true,
    });
    expect(r.out).not.toContain('deprecated');

    jest
      .mocked(startLocalStack)
      .mockClear()
      .mockImplementationOnce(async () => fakeStack());
    r = await cli('worker', '--max-parallel', '3');
    expect(r.code).toBe(0);
    expect(jest.mocked(startLocalStack).mock.calls[0][0]).toMatchObject({ maxParallel: 3, standIn: false });
    expect(r.out).toContain(
      'Note: flotilla worker --max-parallel is deprecated: it is --agent-slots (model turns at once on this worker); using --agent-slots 3',
    );

    jest
      .mocked(startLocalStack)
      .mockClear()
      .mockImplementationOnce(async () => fakeStack());
    r = await cli('worker', '--max-parallel', '3', '--agent-slots', '5');
    expect(jest.mocked(startLocalStack).mock.calls[0][0]).toMatchObject({ maxParallel: 5 });
    expect(r.out).toContain('--agent-slots 5 wins');
  });

  it('worker --agent-slots takes a whole number; --agent-rpm help says it limits model requests across all workers', async () => {
    expect((await cli('worker', '--agent-slots', 'two')).err).toContain(
      '--agent-slots must be a whole number of at least 1 (got "two")',
    );
    const help = (await cli('worker', '--help')).out;
    expect(help).toMatch(
      /--agent-rpm N +model requests per minute of the coding agents, across all workers: the server-side rate limit of the shared agents queue, which dispatches one activity per model request \(give every worker the same N/,
    );
    expect(help).toMatch(/--agent-slots N +model turns at once on this worker/);
    for (const command of ['dev', 'demo'])
      expect((await cli(command, '--help')).out).toMatch(
        /--agent-rpm N +model requests per minute of the coding agents/,
      );
    expect(help).toMatch(/--max-parallel N +deprecated: the old name of --agent-slots/);
    expect((await cli('dev', '--help')).out).toContain('--agent-slots N');
  });

  it("run --help says the effective parallelism is the smaller of the lanes and the workers' agent slots", async () => {
    const help = (await cli('run', '--help')).out;
    expect(help).toContain('the effective parallelism is the smaller of the two');
    expect(help).toMatch(/--max-parallel N +lanes: /);
  });

  it('a worker with an empty ANTHROPIC_API_KEY fails with a clear message (exit 1) instead of using the stand-in', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = '';
    const real = jest.requireActual<typeof import('../../client/local-stack')>('../../client/local-stack');
    // The real stack up to the model: with external and an address nobody serves, the model is resolved before any connection.
    jest.mocked(startLocalStack).mockImplementationOnce((o) => real.startLocalStack(o));
    try {
      const r = await cli('worker');
      expect(r.code).toBe(1);
      expect(r.err).toContain('flotilla worker: ANTHROPIC_API_KEY is set but empty');
      expect(startStandInModel).not.toHaveBeenCalled();
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
      // The real stack installed the SDK's runtime (its log forwarding keeps the process alive): shut it down.
      await Runtime.instance().shutdown();
    }
  });
});
