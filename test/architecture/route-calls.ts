// What each route handler calls, read from the source with the TypeScript parser: the functions it
// (or a helper of its own file that it calls) takes from outside the edge. ARCHITECTURE.md's rule "a
// route calls one domain function" is checked with it (routes.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Imports that are the edge's own plumbing, not domain work: HTTP helpers, the refusals, bindings,
 *  configuration, logging, and the libraries (every import that is not a relative path). */
const PLUMBING = /^([^.]|\.\.\/(http\/|errors\.ts$|env\.ts$|config\.ts$|log\.ts$))/;

export interface HandlerCalls {
  /** `post /events` (the router's method and path as written). */
  handler: string;
  /** The functions from outside the edge it calls, as `module:name`, each once. */
  calls: string[];
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'on', 'all']);

export function routeHandlerCalls(root: string, file: string): HandlerCalls[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  // Value imports from outside the edge: local name → module:name.
  const imported = new Map<string, string>();
  // Functions of the file itself, whose calls count for the handler that calls them.
  const local = new Map<string, ts.Node>();
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const from = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (!clause || clause.isTypeOnly || PLUMBING.test(from)) continue;
      const bindings = clause.namedBindings;
      if (clause.name) imported.set(clause.name.text, `${from}:default`);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          if (!element.isTypeOnly) imported.set(element.name.text, `${from}:${(element.propertyName ?? element.name).text}`);
        }
      }
      if (bindings && ts.isNamespaceImport(bindings)) imported.set(bindings.name.text, `${from}:*`);
    } else if (ts.isFunctionDeclaration(statement) && statement.name) {
      local.set(statement.name.text, statement);
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer)))
          local.set(d.name.text, d.initializer);
      }
    }
  }

  const callsIn = (node: ts.Node, found: Set<string>, seen: Set<string>) => {
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
        const callee = n.expression;
        // ns.fn(…): the namespace import's function.
        if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && imported.get(callee.expression.text)?.endsWith(':*')) {
          found.add(`${imported.get(callee.expression.text)!.slice(0, -1)}${callee.name.text}`);
        }
        // A method of an imported value (PLATFORMS.map) is not a call of ours.
        if (ts.isIdentifier(callee)) {
          const name = callee.text;
          const from = imported.get(name);
          if (from && !from.endsWith(':*')) found.add(from);
          const helper = local.get(name);
          if (helper && !seen.has(name)) {
            seen.add(name);
            callsIn(helper, found, seen);
          }
        }
      }
      // A JSX element is a call of its component.
      if (ts.isJsxOpeningElement(n) || ts.isJsxSelfClosingElement(n)) {
        const tag = n.tagName.getText(source);
        if (imported.has(tag)) found.add(imported.get(tag)!);
      }
      ts.forEachChild(n, visit);
    };
    visit(node);
  };

  const handlers: HandlerCalls[] = [];
  const visit = (n: ts.Node) => {
    // A router's method (Promise.all is not one).
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      METHODS.has(n.expression.name.text) &&
      n.expression.expression.getText(source) !== 'Promise'
    ) {
      const last = n.arguments.at(-1);
      if (last && (ts.isArrowFunction(last) || ts.isFunctionExpression(last) || (ts.isIdentifier(last) && local.has(last.text)) || ts.isCallExpression(last))) {
        const path =
          n.arguments[0] && (ts.isStringLiteral(n.arguments[0]) || ts.isNoSubstitutionTemplateLiteral(n.arguments[0]))
            ? n.arguments[0].text
            : n.arguments[0]?.getText(source);
        const found = new Set<string>();
        // The handler itself: its body, or the body of the local function that builds it (handler('opt-in')).
        const target =
          ts.isCallExpression(last) && ts.isIdentifier(last.expression)
            ? (local.get(last.expression.text) ?? last)
            : ts.isIdentifier(last)
              ? local.get(last.text)!
              : last;
        callsIn(target, found, new Set());
        handlers.push({ handler: `${n.expression.name.text} ${path}`, calls: [...found].sort() });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return handlers;
}
