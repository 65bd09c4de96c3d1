/** Human figures for progress output: binary units, one decimal, as curl and wget print them. */
import { withoutUserinfo } from '@courier/origin';

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `512 B`, `1.5 KiB`, `1.0 GiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `85.3 MiB/s`; `–` while unknown (no bytes over the last second). */
export function formatRate(bytesPerSec: number): string {
  return bytesPerSec > 0 ? `${formatBytes(bytesPerSec)}/s` : '– B/s';
}

/** `42 s`, `3 min 05 s`, `2 h 07 min`; `–` while unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The URL as shown to people: without a password (or a user name), which may be a token. */
export function shownUrl(url: string): string {
  return URL.canParse(url) ? withoutUserinfo(new URL(url).href) : '(not a URL)';
}
