// Turns valibot issues into the one-line 400 message the contracts promise, naming the field the way a
// developer would write it in code: `events[3].products[0].quantity: must be greater than 0`.
import type { BaseIssue } from 'valibot';

const SHOWN = 3;

function fieldPath(issue: BaseIssue<unknown>, prefix = ''): string {
  let path = prefix;
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === 'number') path += `[${key}]`;
    else path += path ? `.${String(key)}` : String(key);
  }
  return path || 'body';
}

// (A variant's missing discriminator keeps its own message, which names the choices.)
const OBJECTS = new Set(['object', 'loose_object', 'strict_object', 'object_with_rest']);

// valibot's own messages ("Invalid key: Expected ..." / "Invalid type: Expected ...") are library
// wording; every message we answer says what the field must be, in our words.
const OWN_WORDS: Record<string, string> = {
  object: 'must be an object',
  loose_object: 'must be an object',
  strict_object: 'must be an object',
  object_with_rest: 'must be an object',
  variant: 'must be an object',
  array: 'must be an array',
  string: 'must be a string',
  number: 'must be a number',
  boolean: 'must be true or false',
  literal: 'has an unexpected value',
  picklist: 'has an unexpected value',
  union: 'has an unexpected type',
};

function issueText(issue: BaseIssue<unknown>): string {
  // valibot reports a missing key as an invalid key of the enclosing object.
  if (issue.kind === 'schema' && OBJECTS.has(issue.type) && issue.input === undefined && issue.path?.length) {
    return 'is required';
  }
  if (!issue.path?.length && issue.kind === 'schema') return 'must be a JSON object';
  if (/^Invalid [a-z]+:/i.test(issue.message)) return OWN_WORDS[issue.type] ?? 'is not valid';
  return issue.message;
}

/**
 * One line naming the first few problems, e.g. `items[2].email: must be a valid e-mail address`.
 * Each problem is told once: the same message for several fields reads `items[0].kind, items[2].kind: is required`.
 */
export function describeIssues(issues: readonly BaseIssue<unknown>[], prefix = ''): string {
  const byText = new Map<string, string[]>();
  for (const issue of issues) {
    const text = issueText(issue);
    const paths = byText.get(text) ?? [];
    const path = fieldPath(issue, prefix);
    if (!paths.includes(path)) paths.push(path);
    byText.set(text, paths);
  }
  const problems = [...byText.entries()];
  const shown = problems.slice(0, SHOWN).map(([text, paths]) => {
    const named = paths.slice(0, SHOWN).join(', ') + (paths.length > SHOWN ? ` and ${paths.length - SHOWN} more` : '');
    return `${named}: ${text}`;
  });
  const more = problems.length - SHOWN;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}
