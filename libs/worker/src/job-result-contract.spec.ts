// libs/download may not import libs/queue, so its job handler's result type stands apart from the
// queue's `DownloadResult`, the one declaration of the shape. The worker, which hands one to the
// other, is where they meet: this test fails to type-check (`npm run typecheck`) when they drift.
import type { DownloadJobResult } from '@courier/download';
import type { DownloadResult } from '@courier/queue';
import { describe, expectTypeOf, it } from 'vitest';

describe('the download job result contract', () => {
  it("download's job result is the queue's DownloadResult, field for field", () => {
    // `.branded`: compares the resolved fields, so an intersection equals an interface with the same ones.
    expectTypeOf<DownloadJobResult>().branded.toEqualTypeOf<DownloadResult>();
  });
});
