/** Parsing request bodies with the zod schemas into typed input, or an `InputError` naming each field. */
import type { z } from 'zod';
import { InputError } from './errors.ts';

export function parseInput<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ');
  throw new InputError(`invalid input: ${summary}`, issues);
}
