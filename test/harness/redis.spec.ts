import { access } from 'node:fs/promises';
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { findBinary } from './debian-package.ts';
import { startRedis } from './redis.ts';
import { redisCommand } from './resp.ts';

// PING by hand, so the harness is checked by something other than its own RESP client.
function rawPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write('*1\r\n$4\r\nPING\r\n');
  });
}

const external = Boolean(process.env.REDIS_URL);

describe('redis harness', () => {
  it('starts a redis-server that answers PING, and stop() ends it and removes its dir', async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    expect(redis.url).toBe(external ? process.env.REDIS_URL : `redis://127.0.0.1:${redis.port}`);
    if (external) {
      expect(await redisCommand(redis.url, 'PING')).toBe('PONG');
      return;
    }
    expect(await rawPing(redis.port)).toBe('+PONG\r\n');
    expect(await redisCommand(redis.url, 'INFO', 'memory')).toMatch(/maxmemory_policy:noeviction/);
    expect(await redisCommand(redis.url, 'INFO', 'persistence')).toMatch(/aof_enabled:0/);

    await redis.stop();
    await expect(rawPing(redis.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(access(redis.dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await redis.stop();
  });

  it('gives each caller its own server', async () => {
    const a = await startRedis();
    onTestFinished(() => a.stop());
    const b = await startRedis();
    onTestFinished(() => b.stop());
    if (external) return;
    expect(a.port).not.toBe(b.port);
    await redisCommand(a.url, 'SET', 'k', 'a');
    expect(await redisCommand(b.url, 'GET', 'k')).toBeNull();
  });

  it.skipIf(external)('with appendonly, keeps acknowledged writes across kill() and restart() on the same port', async () => {
    const redis = await startRedis({ appendonly: true });
    onTestFinished(() => redis.stop());
    expect(await redisCommand(redis.url, 'INFO', 'persistence')).toMatch(/aof_enabled:1/);
    expect(await redisCommand(redis.url, 'SET', 'job', 'queued')).toBe('OK');

    await redis.kill();
    await expect(rawPing(redis.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await redis.restart();
    expect(await redisCommand(redis.url, 'GET', 'job')).toBe('queued');

    // A graceful restart while running works too.
    await redis.restart();
    expect(await rawPing(redis.port)).toBe('+PONG\r\n');
    expect(await redisCommand(redis.url, 'GET', 'job')).toBe('queued');
  });

  it('finds redis-server on PATH (installed by .ci/run or by the harness)', async () => {
    if (external) return;
    expect(await findBinary('redis-server')).toMatch(/redis-server$/);
  });
});
