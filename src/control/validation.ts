/** Parsing request bodies with the zod schemas into typed input, or an `InputError` naming each field. */
import type { z } from 'zod';
import { InputError } from './errors.ts';

/** Issues named in one error at most; paths and messages clipped, so an answer never echoes a huge input. */
const maxIssues = 20;
const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max)}…` : text);

export function parseInput<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, maxIssues).map((issue) => ({
    path: clip(issue.path.map(String).join('.')),
    message: clip(issue.message),
  }));
  const more = result.error.issues.length - issues.length;
  const summary = issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ');
  throw new InputError(`invalid input: ${summary}${more > 0 ? ` (and ${more} more)` : ''}`, issues);
}
