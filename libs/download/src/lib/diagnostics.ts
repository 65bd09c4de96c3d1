// Named diagnostics channels of @courier/download, declared in one place (STYLE §12): the
// metrics plugin and the dashboard subscribe; the lib never logs.
import diagnostics from 'node:diagnostics_channel';
import { withoutUserinfo, type CourierError } from '@courier/origin';
import type { DownloadResult } from './types.ts';

export const downloadChannels = {
  /** One message per `download()` call that settled: `DownloadEndMessage`. */
  end: diagnostics.channel('courier:download:end'),
} as const;

export interface DownloadEndMessage {
  url: string;
  dst: string;
  result: DownloadResult | null;
  error: CourierError | null;
  /** Wall time of the call, in milliseconds. */
  durationMs: number;
}

/** Credentials in a URL never reach a subscriber (logs, dashboards). */
export function publishDownloadEnd(message: DownloadEndMessage): void {
  if (downloadChannels.end.hasSubscribers) downloadChannels.end.publish({ ...message, url: withoutUserinfo(message.url) });
}

