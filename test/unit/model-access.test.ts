import { chooseModel, resolveModelAccess, standInBanner, standInFromEnv } from '../../client/model-access';

describe('chooseModel: the stand-in only when asked for or when no key is set', () => {
  it('uses Claude with a key, and ANTHROPIC_BASE_URL when given', () => {
    expect(chooseModel({ env: { ANTHROPIC_API_KEY: ' sk-ant-x ' } })).toEqual({
      kind: 'anthropic',
      apiKey: 'sk-ant-x',
    });
    expect(chooseModel({ env: { ANTHROPIC_API_KEY: 'sk-ant-x', ANTHROPIC_BASE_URL: 'http://proxy:8080' } })).toEqual({
      kind: 'anthropic',
      apiKey: 'sk-ant-x',
      baseURL: 'http://proxy:8080',
    });
  });

  it('uses the stand-in when ANTHROPIC_API_KEY is not set at all, and says why', () => {
    expect(chooseModel({ env: {} })).toEqual({ kind: 'stand-in', reason: 'ANTHROPIC_API_KEY is not set' });
  });

  it('refuses a key that is set but empty or blank, instead of silently using the stand-in', () => {
    for (const blank of ['', '   ', '\n']) {
      expect(() => chooseModel({ env: { ANTHROPIC_API_KEY: blank } })).toThrow(
        /ANTHROPIC_API_KEY is set but empty.*--stand-in/,
      );
    }
  });

  it('--stand-in and FLOTILLA_STAND_IN=1 force the stand-in, even with a key (or a blank one)', () => {
    expect(chooseModel({ standIn: true, env: { ANTHROPIC_API_KEY: 'sk-ant-x' } })).toEqual({
      kind: 'stand-in',
      reason: '--stand-in',
    });
    expect(chooseModel({ env: { ANTHROPIC_API_KEY: 'sk-ant-x', FLOTILLA_STAND_IN: '1' } })).toEqual({
      kind: 'stand-in',
      reason: 'FLOTILLA_STAND_IN is set',
    });
    expect(chooseModel({ env: { ANTHROPIC_API_KEY: '', FLOTILLA_STAND_IN: 'true' } }).kind).toBe('stand-in');
  });

  it('reads FLOTILLA_STAND_IN as a yes/no', () => {
    for (const yes of ['1', 'true', 'YES', ' yes ']) expect(standInFromEnv({ FLOTILLA_STAND_IN: yes })).toBe(true);
    for (const no of [undefined, '', '0', 'false', 'no']) expect(standInFromEnv({ FLOTILLA_STAND_IN: no })).toBe(false);
  });
});

describe('resolveModelAccess', () => {
  const saved = {
    key: process.env.ANTHROPIC_API_KEY,
    standIn: process.env.FLOTILLA_STAND_IN,
    faults: process.env.FLOTILLA_STAND_IN_FAULTS,
  };
  afterEach(() => {
    for (const [name, value] of [
      ['ANTHROPIC_API_KEY', saved.key],
      ['FLOTILLA_STAND_IN', saved.standIn],
      ['FLOTILLA_STAND_IN_FAULTS', saved.faults],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('fails with a clear message on an empty key, and starts no stand-in', async () => {
    process.env.ANTHROPIC_API_KEY = '';
    delete process.env.FLOTILLA_STAND_IN;
    const lines: string[] = [];
    await expect(resolveModelAccess((l) => lines.push(l))).rejects.toThrow('ANTHROPIC_API_KEY is set but empty');
    expect(lines).toEqual([]);
  });

  it('with --stand-in, starts the stand-in and prints the loud banner even though a key is set', async () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-not-used';
    delete process.env.FLOTILLA_STAND_IN_FAULTS;
    const lines: string[] = [];
    const { access, standIn } = await resolveModelAccess((l) => lines.push(l), { standIn: true });
    try {
      expect(standIn).not.toBeNull();
      expect(access).toEqual({ apiKey: 'stand-in-model', baseURL: standIn!.url });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Model: STAND-IN \(not Claude\) at http:\/\/.* because --stand-in/);
    } finally {
      await standIn?.close();
    }
  });

  it('with a key, says it uses the Anthropic API and starts nothing', async () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-x';
    delete process.env.FLOTILLA_STAND_IN;
    const lines: string[] = [];
    const { access, standIn } = await resolveModelAccess((l) => lines.push(l));
    expect(standIn).toBeNull();
    expect(access.apiKey).toBe('sk-ant-x');
    expect(lines.join('\n')).toContain('Model: Anthropic API');
    expect(lines.join('\n')).not.toContain('STAND-IN');
  });

  it('the banner names the reason and the faults', () => {
    expect(standInBanner('http://127.0.0.1:1', 'ANTHROPIC_API_KEY is not set', 2)).toBe(
      "Model: STAND-IN (not Claude) at http://127.0.0.1:1, because ANTHROPIC_API_KEY is not set: it applies each task's Change blocks, it does not think. Set ANTHROPIC_API_KEY for Claude; injecting 2 fault(s) from FLOTILLA_STAND_IN_FAULTS.",
    );
  });
});

describe('ANTHROPIC_API_KEY_FILE: the key from a file (a Docker secret), never in the environment (issue 22)', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const os = require('node:os') as typeof import('node:os');
  const path = require('node:path') as typeof import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-keyfile-'));

  it('reads the key from the file; an empty file means the stand-in; an unreadable one is an error', () => {
    fs.writeFileSync(path.join(dir, 'key'), 'sk-ant-from-file\n');
    fs.writeFileSync(path.join(dir, 'empty'), '\n');
    expect(chooseModel({ env: { ANTHROPIC_API_KEY_FILE: path.join(dir, 'key') } })).toEqual({
      kind: 'anthropic',
      apiKey: 'sk-ant-from-file',
    });
    expect(chooseModel({ env: { ANTHROPIC_API_KEY_FILE: path.join(dir, 'empty') } })).toMatchObject({
      kind: 'stand-in',
      reason: expect.stringContaining('is empty'),
    });
    expect(() => chooseModel({ env: { ANTHROPIC_API_KEY_FILE: path.join(dir, 'missing') } })).toThrow(
      /ANTHROPIC_API_KEY_FILE=.*cannot be read/,
    );
  });
});
