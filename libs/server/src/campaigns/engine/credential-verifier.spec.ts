import { describe, expect, it } from 'vitest';
import { credentialVerifier, matchesVerifier } from './credential-verifier.ts';
import { hashRequest, type CampaignRequest } from './request-hash.ts';

const basic = (secret: string) => [['authorization', `Basic ${Buffer.from(`fw:${secret}`).toString('base64')}`]] as Array<[string, string]>;

describe('campaign credential verifier', () => {
  it('matches the credential it was made from, not another, and keeps neither the credential nor a fast hash of it', async () => {
    const verifier = await credentialVerifier(basic('s3cret'));
    expect(verifier).toMatch(/^scrypt\$[\w-]+\$[\w-]+$/);
    expect(verifier).not.toContain(Buffer.from('fw:s3cret').toString('base64'));
    expect(await matchesVerifier(basic('s3cret'), verifier)).toBe(true);
    expect(await matchesVerifier(basic('other'), verifier)).toBe(false);
    // Salted: the same credential twice gives two verifiers.
    expect(await credentialVerifier(basic('s3cret'))).not.toBe(verifier);
  });

  it('answers false for a malformed verifier instead of throwing', async () => {
    for (const bad of ['', 'sha256$a$b', 'scrypt$$', 'scrypt$salt']) expect(await matchesVerifier(basic('x'), bad)).toBe(false);
  });

  it('hashes the request without the userinfo: the password is not in the fast request hash', () => {
    const request = (url: string): CampaignRequest => ({ firmware: { url, sha256: 'a'.repeat(64), size: 1 }, devices: [{ id: 'd' }], waves: [1], failureThreshold: 0, dstTemplate: '{device}' });
    const stripped = 'http://127.0.0.1:9/fw.bin';
    expect(hashRequest(request('http://fw:one@127.0.0.1:9/fw.bin'), stripped)).toBe(hashRequest(request('http://fw:two@127.0.0.1:9/fw.bin'), stripped));
    expect(hashRequest(request(stripped), stripped)).not.toBe(hashRequest(request(stripped), 'http://127.0.0.1:9/other.bin'));
  });
});
