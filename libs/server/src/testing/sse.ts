import type { Readable } from 'node:stream';

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/**
 * Reads server-sent events from a byte stream until `done(events)` holds or the stream ends;
 * returns what arrived. Comments (`: ping`) and `retry:` lines are skipped.
 */
export async function readEvents(stream: Readable | AsyncIterable<Uint8Array>, done: (events: ServerSentEvent[]) => boolean = () => false): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data !== undefined) events.push({ event, data: JSON.parse(data) as unknown });
    }
    if (done(events)) break;
  }
  return events;
}
