import { userinfoAuthorization } from '@courier/origin';
import { describe, expect, it } from 'vitest';
import { REDACTED, restoreCredentials, splitCredentials } from './credentials.ts';

describe('splitCredentials', () => {
  it('turns URL userinfo into a secret authorization header and stores the URL without it', () => {
    const { stored, secrets } = splitCredentials({ kind: 'request', url: 'https://user:s3cret@a.example/x?y=1' });
    expect(stored.url).toBe('https://a.example/x?y=1');
    expect(JSON.stringify(stored)).not.toContain('s3cret');
    expect(stored.headers).toEqual([['authorization', REDACTED]]);
    expect(secrets).toEqual([['authorization', userinfoAuthorization(new URL('https://user:s3cret@a.example/'))]]);
    // The worker puts back what the client would have sent.
    expect(restoreCredentials(stored, secrets!).headers).toEqual(secrets);
  });

  it('keeps an authorization header the caller gave over the userinfo, and still drops the userinfo', () => {
    const { stored, secrets } = splitCredentials({ kind: 'request', url: 'https://user:pw@a.example/', headers: [['Authorization', 'Bearer t']] });
    expect(stored.url).toBe('https://a.example/');
    expect(secrets).toEqual([['Authorization', 'Bearer t']]);
  });

  it('leaves a job without credentials as it was', () => {
    const job = { kind: 'request' as const, url: 'https://a.example/' };
    expect(splitCredentials(job)).toEqual({ stored: job, secrets: null });
  });
});
