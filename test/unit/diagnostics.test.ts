import { diagnosticLine, newDiagnostics, parseDiagnostics } from '../../activities/agent/check/diagnostics';

describe('static check diagnostics (issue 25)', () => {
  it('reads tsc, ESLint (unix), ruff, mypy and go vet output', () => {
    expect(
      parseDiagnostics(
        'tsc',
        "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\nFound 1 error.",
      ),
    ).toEqual([
      {
        tool: 'tsc',
        file: 'src/a.ts',
        line: 3,
        col: 7,
        code: 'TS2322',
        message: "Type 'string' is not assignable to type 'number'.",
      },
    ]);
    expect(
      parseDiagnostics(
        'eslint',
        "/w/src/b.js:2:5: 'x' is assigned a value but never used. [Error/no-unused-vars]",
        '/w',
      ),
    ).toEqual([
      {
        tool: 'eslint',
        file: 'src/b.js',
        line: 2,
        col: 5,
        code: 'no-unused-vars',
        message: "'x' is assigned a value but never used.",
      },
    ]);
    expect(parseDiagnostics('ruff', 'pkg/m.py:10:1: F401 [*] `os` imported but unused')[0]).toMatchObject({
      file: 'pkg/m.py',
      line: 10,
      code: 'F401',
    });
    expect(
      parseDiagnostics(
        'mypy',
        'pkg/m.py:4: error: Incompatible return value type (got "str", expected "int")  [return-value]',
      )[0],
    ).toMatchObject({ file: 'pkg/m.py', line: 4, code: 'return-value' });
    expect(parseDiagnostics('go vet', '# example.com/m\nvet: ./main.go:7:2: unreachable code')[0]).toMatchObject({
      file: 'main.go',
      line: 7,
      message: 'unreachable code',
    });
  });

  it('counts only what the change added: the same diagnostic moved to another line is not new', () => {
    const base = parseDiagnostics(
      'tsc',
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    );
    const moved = parseDiagnostics(
      'tsc',
      "src/a.ts(9,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    );
    expect(newDiagnostics(moved, base)).toEqual([]);
    const twice = parseDiagnostics(
      'tsc',
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\nsrc/a.ts(12,1): error TS2322: Type 'string' is not assignable to type 'number'.",
    );
    expect(newDiagnostics(twice, base).map(diagnosticLine)).toEqual([
      "src/a.ts:12:1 TS2322 Type 'string' is not assignable to type 'number'. (tsc)",
    ]);
  });
});
