import type { Client, OriginSnapshot, OriginTransition, SocketState } from '@courier/origin';
import type { EventStream } from '../plugins/event-streams.ts';

export interface InspectorOptions {
  /** How often the origin's actors are looked up again (one may appear, or be evicted and replaced), in milliseconds. */
  recheckMs: number;
}

/** What the inspector pane shows besides the transitions: the actors watched and their snapshots. */
export interface InspectorSnapshot {
  origin: string;
  watching: string[];
  snapshots: OriginSnapshot[];
  /** Each socket child actor of the watched actors, with its state (`key` names its origin actor). */
  sockets: Array<SocketState & { key: string }>;
}

/**
 * The inspector for one origin: the transitions of its actor(s) and of their socket children,
 * redirect hand-offs included (a hop handed on, or received), as they happen, through
 * `client.watchOrigin` — the origin lib records transitions only while someone watches, so the
 * watch lasts exactly as long as the page's stream and ends with it. An origin with no actor
 * yet (or whose actor was evicted and replaced) is looked up again every `recheckMs`.
 */
export function inspectOrigin(client: Client, origin: string, stream: EventStream, options: InspectorOptions): void {
  let watched = '';
  let unwatch: () => void = () => {};

  const refresh = () => {
    const snapshots = client.origin(origin);
    const keys = snapshots.map((s) => s.key).sort().join('\n');
    if (keys !== watched) {
      unwatch();
      watched = keys;
      unwatch = snapshots.length === 0 ? () => {} : client.watchOrigin(origin, (t: OriginTransition & { key: string }) => stream.send('transition', t));
    }
    stream.send('snapshot', { origin, watching: snapshots.map((s) => s.key), snapshots, sockets: client.originSockets(origin) } satisfies InspectorSnapshot);
  };

  refresh();
  const timer = setInterval(refresh, options.recheckMs);
  timer.unref();
  stream.onClose(() => {
    clearInterval(timer);
    unwatch();
  });
}
