import http from 'node:http';
import { createClient } from '@courier/origin';
import axios from 'axios';
import got from 'got';
import { Pool, fetch as undiciFetch, request as undiciRequest } from 'undici';

/**
 * One HTTP client under test, set up with the same connection settings as the others: `get`
 * sends a GET, reads the whole body into memory and resolves with its length in bytes.
 */
export interface ClientUnderTest {
  get(path: string): Promise<number>;
  close(): Promise<void>;
}

export type ClientName = 'courier' | 'undici.request' | 'undici.fetch' | 'got' | 'axios' | 'node:http';

/** Printed in this order; `undici.request` is the baseline of the ratios. */
export const clientNames: readonly ClientName[] = ['courier', 'undici.request', 'undici.fetch', 'got', 'axios', 'node:http'];

function expectOk(client: string, status: number): void {
  if (status !== 200) throw new Error(`${client}: status ${status} from the target server`);
}

/** Every client: keep-alive, at most `connections` sockets to the one origin, its own defaults otherwise. */
export function createClientUnderTest(name: ClientName, origin: string, connections: number): ClientUnderTest {
  switch (name) {
    case 'courier': {
      const client = createClient({ policy: { connections } });
      return {
        get: async (path) => {
          const res = await client.request(origin + path);
          expectOk(name, res.status);
          return (await res.bytes()).byteLength;
        },
        close: () => client.close(),
      };
    }
    case 'undici.request': {
      const pool = new Pool(origin, { connections });
      return {
        get: async (path) => {
          const res = await undiciRequest(origin + path, { dispatcher: pool });
          expectOk(name, res.statusCode);
          return (await res.body.bytes()).byteLength;
        },
        close: () => pool.close(),
      };
    }
    case 'undici.fetch': {
      const pool = new Pool(origin, { connections });
      return {
        get: async (path) => {
          const res = await undiciFetch(origin + path, { dispatcher: pool });
          expectOk(name, res.status);
          return (await res.arrayBuffer()).byteLength;
        },
        close: () => pool.close(),
      };
    }
    case 'got': {
      const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
      const client = got.extend({ agent: { http: agent }, retry: { limit: 0 } });
      return {
        get: async (path) => {
          const res = await client.get(origin + path, { responseType: 'buffer' });
          expectOk(name, res.statusCode);
          return res.body.byteLength;
        },
        close: async () => agent.destroy(),
      };
    }
    case 'axios': {
      const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
      const client = axios.create({ httpAgent: agent, responseType: 'arraybuffer' });
      return {
        get: async (path) => {
          const res = await client.get<ArrayBuffer>(origin + path);
          expectOk(name, res.status);
          return res.data.byteLength;
        },
        close: async () => agent.destroy(),
      };
    }
    case 'node:http': {
      const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
      return {
        get: (path) =>
          new Promise<number>((resolve, reject) => {
            const req = http.get(origin + path, { agent }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () => {
                try {
                  expectOk(name, res.statusCode ?? 0);
                  resolve(Buffer.concat(chunks).byteLength);
                } catch (err) {
                  reject(err as Error);
                }
              });
              res.on('error', reject);
            });
            req.on('error', reject);
          }),
        close: async () => agent.destroy(),
      };
    }
  }
}
