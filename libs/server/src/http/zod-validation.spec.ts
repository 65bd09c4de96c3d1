import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueToApiError, maxNamedIssues } from './zod-validation.ts';

const job = z.strictObject({ url: z.string().url(), attempts: z.number().int().min(1) });
const batch = z.strictObject({ jobs: z.array(job) });
const issuesOf = (schema: z.ZodType, data: unknown) => {
  const result = schema.safeParse(data);
  if (result.success) throw new Error('expected a validation failure');
  return result.error.issues;
};

describe('validation errors', () => {
  it('one problem: its field and message', () => {
    const error = issueToApiError(issuesOf(batch, { jobs: [{ url: 'https://a.test/', attempts: 0 }] }), 'body');
    expect(error.message).toMatch(/^jobs\[0\]\.attempts: [^;]+$/);
    expect(error.extra).toMatchObject({ field: 'jobs[0].attempts' });
    expect(error.code).toBe('BAD_JOB');
  });

  it('names every problem with its path, the first one giving the field', () => {
    const error = issueToApiError(issuesOf(batch, { jobs: [{ url: 'nope', attempts: 1 }, { url: 'https://a.test/', attempts: 0.5 }] }), 'body');
    expect(error.message).toMatch(/^jobs\[0\]\.url: .+; jobs\[1\]\.attempts: .+$/);
    expect(error.message).not.toMatch(/more problem/);
    expect(error.extra).toMatchObject({ field: 'jobs[0].url' });
  });

  it(`names at most ${maxNamedIssues} problems, then says how many more`, () => {
    const jobs = Array.from({ length: 8 }, () => ({ url: 'nope', attempts: 1 }));
    const message = issueToApiError(issuesOf(batch, { jobs }), 'body').message;
    for (let i = 0; i < maxNamedIssues; i += 1) expect(message).toContain(`jobs[${i}].url: `);
    expect(message).not.toContain(`jobs[${maxNamedIssues}].url`);
    expect(message).toMatch(/; and 3 more problems$/);
  });

  it('reports a wrong value before an unknown field, and names the unknown field itself', () => {
    const error = issueToApiError(issuesOf(job, { url: 'https://a.test/', attempts: 0, colour: 'red' }), 'querystring');
    expect(error.message).toMatch(/^query\.attempts: .+; query\.colour: unknown field$/);
    expect(error.code).toBe('BAD_OPTION');
  });
});
