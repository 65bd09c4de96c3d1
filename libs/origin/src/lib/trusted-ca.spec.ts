import tls from 'node:tls';
import { expect, it } from 'vitest';
import { trustedCa } from './trusted-ca.ts';

it('a given CA is added to the system CAs, not a replacement for them', () => {
  const list = trustedCa('PEM')!;
  expect(list.length).toBe(tls.rootCertificates.length + 1);
  expect(list.at(-1)).toBe('PEM');
  expect(trustedCa(['A', 'B'])!.slice(-2)).toEqual(['A', 'B']);
  expect(trustedCa(undefined)).toBeUndefined();
});
