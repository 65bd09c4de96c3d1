import { describe, expect, test } from 'vitest';
import { CampaignsSource, normaliseCampaign } from './campaigns.ts';

describe('campaigns panel source', () => {
  test('reports the API as unavailable when it answers 404 or fails', async () => {
    expect(await new CampaignsSource(async () => ({ status: 404, body: {} })).poll()).toEqual({ available: false, campaigns: [] });
    expect(await new CampaignsSource(async () => Promise.reject(new Error('down'))).poll()).toEqual({ available: false, campaigns: [] });
  });

  test('fetches details for list entries without waves, and keeps finished campaigns instead of asking again', async () => {
    const asked: string[] = [];
    const source = new CampaignsSource(async (url) => {
      asked.push(url);
      if (url === '/v1/campaigns') return { status: 200, body: { campaigns: [{ id: 'c1', state: 'running' }, { id: 'c2', status: 'completed' }] } };
      const id = url.split('/').pop();
      return {
        status: 200,
        body: {
          id,
          state: id === 'c1' ? 'running' : 'completed',
          failureThreshold: 5,
          bytes: { done: 2048, total: 4096 },
          waves: [{ state: 'done', devices: ['d1', 'd2'], counts: { completed: 1, failed: 1 } }],
        },
      };
    });
    const first = await source.poll();
    expect(first.available).toBe(true);
    expect(first.campaigns[0]).toEqual({
      id: 'c1', name: null, state: 'running', devices: 2, bytesDone: 2048, bytesTotal: 4096, failureThreshold: 0.05,
      waves: [{ index: 0, state: 'done', devices: 2, waiting: 0, active: 0, completed: 1, failed: 1 }],
    });
    await source.poll();
    expect(asked.filter((u) => u === '/v1/campaigns/c2')).toHaveLength(1);
    expect(asked.filter((u) => u === '/v1/campaigns/c1')).toHaveLength(2);
  });

  test('counts per-wave device states from a device list when no counts are given', () => {
    const c = normaliseCampaign({ id: 7, status: 'halted', threshold: 0.1, waves: [{ devices: [{ state: 'completed' }, { state: 'failed' }, { status: 'waiting' }] }] });
    expect(c?.id).toBe('7');
    expect(c?.waves[0]).toMatchObject({ devices: 3, completed: 1, failed: 1, waiting: 1 });
    expect(c?.failureThreshold).toBe(0.1);
  });
});
