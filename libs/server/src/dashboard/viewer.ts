import type { ServerResponse } from 'node:http';
import type { EventStream } from '../plugins/event-streams.ts';

/** Bytes buffered for a viewer past which the next event waits for the socket to drain. */
const highWaterBytes = 256 * 1024;
/** Events waiting for a slow viewer past which its diffs are dropped and it is sent a full snapshot instead. */
const maxQueuedEvents = 20;

/**
 * One open dashboard page. Events go out in order, each after the socket has drained below
 * `highWaterBytes`, so a 10,000-row snapshot sent in chunks never trips the event-streams
 * plugin's cut-off for slow clients; a viewer that falls further behind is resynchronised with
 * a full snapshot rather than buffered without bound.
 */
export class Viewer {
  /** True until the viewer has been sent the whole table (and after it fell behind). */
  needsFull = true;
  readonly #stream: EventStream;
  readonly #raw: ServerResponse;
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;

  constructor(stream: EventStream, raw: ServerResponse) {
    this.#stream = stream;
    this.#raw = raw;
  }

  get closed(): boolean {
    return this.#stream.closed;
  }

  onClose(listener: () => void): void {
    this.#stream.onClose(listener);
  }

  /** Sends now if nothing waits, else after what is queued; `droppable` events are skipped for a viewer that fell behind. */
  send(event: string, data: unknown, droppable = true): void {
    if (this.#stream.closed) return;
    if (droppable && this.#queued >= maxQueuedEvents) {
      this.needsFull = true;
      return;
    }
    if (this.#queued === 0 && this.#raw.writableLength < highWaterBytes) {
      this.#stream.send(event, data);
      return;
    }
    this.#queued += 1;
    this.#chain = this.#chain
      .then(() => this.#drained())
      .then(() => this.#stream.send(event, data))
      .finally(() => {
        this.#queued -= 1;
      });
  }

  /** Resolves once the socket's buffer is below the high-water mark, or the stream has ended. */
  #drained(): Promise<void> {
    if (this.#raw.writableLength < highWaterBytes || this.#stream.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#raw.off('drain', done);
        this.#raw.off('close', done);
        resolve();
      };
      this.#raw.on('drain', done);
      this.#raw.on('close', done);
    });
  }
}
