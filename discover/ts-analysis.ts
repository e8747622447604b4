import * as path from 'node:path';
import * as ts from 'typescript';
import { readTextSafeSync } from '../activities/safe-read';
import { isTestFile, JS_TS, PYTHON } from './repo-files';
import { type Finding } from './types';

/** The compiler's diagnostics for unused declarations (noUnusedLocals / noUnusedParameters). */
export const UNUSED_DIAGNOSTICS = new Set([6133, 6138, 6192, 6196, 6198, 6199, 6205]);

const TS_ONLY = /\.(?:[cm]?ts|tsx)$/;

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

const lineOf = (sf: ts.SourceFile, pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;

/** The node has a `/** … *\/` comment right before it. */
function hasDocComment(sf: ts.SourceFile, node: ts.Node): boolean {
  return (ts.getLeadingCommentRanges(sf.text, node.pos) ?? []).some(
    (r) => sf.text.startsWith('/**', r.pos) && !sf.text.startsWith('/**/', r.pos),
  );
}

/** Names and kinds of an exported top-level statement ("function `parse`"), empty when it is not a declaration. */
function declared(sf: ts.SourceFile, node: ts.Statement): { name: string; kind: string }[] {
  const name = (n: ts.Node | undefined) => (n && (ts.isIdentifier(n) || ts.isStringLiteral(n)) ? n.text : 'default');
  if (ts.isFunctionDeclaration(node)) return [{ name: name(node.name), kind: 'function' }];
  if (ts.isClassDeclaration(node)) return [{ name: name(node.name), kind: 'class' }];
  if (ts.isInterfaceDeclaration(node)) return [{ name: node.name.text, kind: 'interface' }];
  if (ts.isTypeAliasDeclaration(node)) return [{ name: node.name.text, kind: 'type' }];
  if (ts.isEnumDeclaration(node)) return [{ name: node.name.text, kind: 'enum' }];
  if (ts.isModuleDeclaration(node)) return [{ name: name(node.name), kind: 'namespace' }];
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.map((d) => ({
      name: ts.isIdentifier(d.name) ? d.name.text : d.name.getText(sf),
      kind: (node.declarationList.flags & ts.NodeFlags.Const) !== 0 ? 'const' : 'variable',
    }));
  }
  return [];
}

/** Exported top-level declarations without a doc comment (overloads count once). */
export function missingDocs(sf: ts.SourceFile, file: string): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const st of sf.statements) {
    if (!isExported(st)) continue;
    for (const d of declared(sf, st)) {
      const key = `${d.kind}:${d.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (hasDocComment(sf, st)) continue;
      out.push({
        kind: 'docs',
        file,
        line: lineOf(sf, st.getStart(sf)),
        message: `${d.kind} \`${d.name}\` has no doc comment`,
        exported: true,
      });
    }
  }
  return out;
}

/** A short description of where a node sits: "parameter `v` of function `parseBoolean`". */
function placeOf(node: ts.Node): string {
  const parts: string[] = [];
  for (let n: ts.Node | undefined = node.parent; n && !ts.isSourceFile(n); n = n.parent) {
    const nm = (n as { name?: ts.Node }).name;
    const text = nm && (ts.isIdentifier(nm) || ts.isPrivateIdentifier(nm) || ts.isStringLiteral(nm)) ? nm.text : null;
    let kind: string | null = null;
    if (ts.isParameter(n)) kind = 'parameter';
    else if (ts.isVariableDeclaration(n)) kind = 'variable';
    else if (ts.isPropertyDeclaration(n) || ts.isPropertySignature(n)) kind = 'property';
    else if (ts.isMethodDeclaration(n) || ts.isMethodSignature(n)) kind = 'method';
    else if (ts.isFunctionDeclaration(n)) kind = 'function';
    else if (ts.isClassDeclaration(n)) kind = 'class';
    else if (ts.isInterfaceDeclaration(n)) kind = 'interface';
    else if (ts.isTypeAliasDeclaration(n)) kind = 'type';
    if (kind && text) parts.push(`${kind} \`${text}\``);
    if (parts.length === 2) break;
  }
  if (!parts.length) return '';
  if (parts.length === 1 && /^(function|method)/.test(parts[0]) && isReturnType(node))
    return ` in the return type of ${parts[0]}`;
  return ` in ${parts.join(' of ')}`;
}

function isReturnType(node: ts.Node): boolean {
  let t = node;
  while (t.parent && ts.isTypeNode(t.parent) && !ts.isFunctionLike(t.parent)) t = t.parent;
  const p = t.parent;
  return !!p && ts.isFunctionLike(p) && (p as ts.SignatureDeclaration).type === t;
}

/** The node is part of an exported top-level declaration's signature (not inside a body, not private). */
function inExportedSignature(node: ts.Node): boolean {
  for (let n: ts.Node = node; n.parent; n = n.parent) {
    if (ts.isBlock(n) || (ts.isArrowFunction(n.parent) && n === (n.parent as ts.ArrowFunction).body)) return false;
    if (
      ts.canHaveModifiers(n) &&
      (ts.getModifiers(n) ?? []).some(
        (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
      )
    )
      return false;
    if (ts.isSourceFile(n.parent)) return isExported(n);
  }
  return false;
}

/** Explicit `any` anywhere, and exported functions without a declared return type (TypeScript files only; the source file needs parent pointers). */
export function typeFindings(sf: ts.SourceFile, file: string): Finding[] {
  if (!TS_ONLY.test(file)) return [];
  const out: Finding[] = [];
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      out.push({
        kind: 'types',
        file,
        line: lineOf(sf, node.getStart(sf)),
        message: `explicit \`any\`${placeOf(node)}`,
        exported: inExportedSignature(node),
        rule: 'any',
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  for (const st of sf.statements) {
    if (!isExported(st)) continue;
    if (ts.isFunctionDeclaration(st) && st.body && !st.type) {
      out.push({
        kind: 'types',
        file,
        line: lineOf(sf, st.getStart(sf)),
        message: `exported function \`${st.name?.text ?? 'default'}\` has no return type`,
        exported: true,
        rule: 'return-type',
      });
    }
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const init = d.initializer;
        if (
          !d.type &&
          init &&
          (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) &&
          !init.type &&
          ts.isIdentifier(d.name)
        ) {
          out.push({
            kind: 'types',
            file,
            line: lineOf(sf, d.getStart(sf)),
            message: `exported function \`${d.name.text}\` has no return type`,
            exported: true,
            rule: 'return-type',
          });
        }
      }
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** The innermost node containing `pos`. */
function nodeAt(sf: ts.SourceFile, pos: number): ts.Node {
  let found: ts.Node = sf;
  const visit = (n: ts.Node) => {
    if (n.getStart(sf) <= pos && pos < n.getEnd()) {
      found = n;
      ts.forEachChild(n, visit);
    }
  };
  ts.forEachChild(sf, visit);
  return found;
}

/** Options for the dead-code program: the repository's code as it is, with the unused checks on. */
const PROGRAM_OPTIONS: ts.CompilerOptions = {
  allowJs: true,
  checkJs: true,
  noEmit: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  jsx: ts.JsxEmit.Preserve,
  esModuleInterop: true,
  resolveJsonModule: true,
  types: [],
  lib: ['lib.es2022.d.ts'],
  experimentalDecorators: true,
};

/**
 * The compiler's own host, reading every file (the repository's, its imports', node_modules') through the safe
 * reader: a FIFO or a link to /dev/zero among them is a file that is not there, not a compiler that never ends.
 */
function safeHost(): ts.CompilerHost {
  const host = ts.createCompilerHost(PROGRAM_OPTIONS, true);
  host.readFile = (file) => {
    try {
      return readTextSafeSync(file);
    } catch {
      return undefined;
    }
  };
  return host;
}

/**
 * Runs the TypeScript compiler over the repository's JS/TS files and reports missing doc comments and
 * loose types (source files only, not tests) and unused locals, imports and parameters (from the
 * compiler's own diagnostics, every file).
 */
export function analyseTypeScript(repo: string, files: string[]): Finding[] {
  const code = files.filter((f) => JS_TS.test(f) && !/\.d\.[cm]?ts$/.test(f));
  if (!code.length) return [];
  const abs = new Map(code.map((f) => [path.resolve(repo, f), f]));
  // Parent pointers from the start: the analysers walk up from a node before the checker binds the files.
  const program = ts.createProgram({ rootNames: [...abs.keys()], options: PROGRAM_OPTIONS, host: safeHost() });
  const out: Finding[] = [];
  for (const sf of program.getSourceFiles()) {
    const file = abs.get(path.resolve(sf.fileName));
    if (!file) continue;
    if (!isTestFile(file)) out.push(...missingDocs(sf, file), ...typeFindings(sf, file));
    for (const d of program.getSemanticDiagnostics(sf)) {
      if (!UNUSED_DIAGNOSTICS.has(d.code) || d.start === undefined) continue;
      const node = nodeAt(sf, d.start);
      const param = ts.findAncestor(node, ts.isParameter);
      out.push({
        kind: 'dead-code',
        file,
        line: lineOf(sf, d.start),
        message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
        exported: !!param && inExportedSignature(param),
        rule: `ts${d.code}`,
      });
    }
  }
  return out;
}

/** Every comment of a JS/TS source, from the parser (so text inside strings and templates is not a comment). */
export function commentsOf(file: string, text: string): { line: number; text: string }[] {
  const sf = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    false,
    /\.[cm]?jsx?$/.test(file) ? ts.ScriptKind.JSX : /x$/.test(file) ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const seen = new Map<number, { pos: number; text: string }>();
  const visit = (node: ts.Node) => {
    for (const r of ts.getLeadingCommentRanges(text, node.pos) ?? [])
      if (!seen.has(r.pos)) seen.set(r.pos, { pos: r.pos, text: text.slice(r.pos, r.end) });
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return [...seen.values()]
    .sort((a, b) => a.pos - b.pos)
    .map((c) => ({ line: sf.getLineAndCharacterOfPosition(c.pos).line + 1, text: c.text }));
}

const MARKER = /^\s*@?(TODO|FIXME)\b(?:\([^)]*\))?([:\s-]*)(.*)$/;

/** TODO and FIXME comments: in JS/TS comments (a doc comment needs "TODO:" or "TODO(…)"), and Python # comments. */
export function scanTodos(repo: string, files: string[]): Finding[] {
  const out: Finding[] = [];
  const push = (kind: string, file: string, line: number, note: string) =>
    out.push({ kind: kind === 'TODO' ? 'todo' : 'fixme', file, line, message: note ? `${kind}: ${note}` : kind });
  for (const file of files) {
    const py = PYTHON.test(file);
    if (!py && !JS_TS.test(file)) continue;
    let text: string;
    try {
      text = readTextSafeSync(path.join(repo, file));
    } catch {
      continue;
    }
    if (py) {
      text.split(/\r?\n/).forEach((l, i) => {
        const m = /#(.*)$/.exec(l);
        const t = m ? MARKER.exec(m[1]) : null;
        if (t) push(t[1], file, i + 1, t[3].trim());
      });
      continue;
    }
    for (const c of commentsOf(file, text)) {
      const doc = c.text.startsWith('/**');
      c.text.split(/\r?\n/).forEach((l, i) => {
        const body = l.replace(/^\s*(?:\/\/+|\/\*+|\*+(?!\/))?/, '').replace(/\*+\/\s*$/, '');
        const t = MARKER.exec(body);
        // In a doc comment, only a marker with ":" or "(…)" is a TODO ("TODO and FIXME comments" is prose).
        if (!t || (doc && !/^\s*@?(?:TODO|FIXME)[:(]/.test(body))) return;
        push(t[1], file, c.line + i, t[3].trim());
      });
    }
  }
  return out;
}
