/**
 * A campaign's firmware URL may carry `user:password@`. As with a request job's URL, that
 * credential never sits in the campaign record (nor so in its answers, the dashboard's events or
 * the name the dashboard falls back to): at creation it is split off into the store's
 * credential slot, as the `authorization` header userinfo stands for, and each device job gets
 * it as a header, which the queue moves to its own secrets store like any credential. The slot
 * goes when the campaign settles.
 */
import { userinfoAuthorization } from '@courier/origin';
import type { HeaderPair } from '@courier/queue';
import { renderUrl } from './device-templates.ts';

// The URL parser's authority: after `scheme:` and any slashes, up to the first `/`, `\`, `?` or
// `#`; its userinfo runs to the authority's last `@` (the greedy match backtracks to it).
const userinfoRe = /^([^:/?#]+:[/\\]*)([^/\\?#]*)@/;

/** The userinfo of a firmware URL template as written, or null (for the schema's checks). */
export function firmwareUserinfo(template: string): string | null {
  return userinfoRe.exec(template)?.[2] ?? null;
}

/**
 * The template without its userinfo, and the credential headers it stood for (null when none).
 * The template is cut as text, not re-serialised, so its `{device}` placeholders stay as written.
 * The schema has refused a template whose userinfo varies per device or can't be cut off.
 */
export function splitFirmwareCredentials(template: string): { url: string; credentials: HeaderPair[] | null } {
  const match = userinfoRe.exec(template);
  if (match === null) return { url: template, credentials: null };
  const authorization = userinfoAuthorization(new URL(renderUrl(template, 'device')));
  const url = template.replace(userinfoRe, '$1');
  return { url, credentials: authorization === null ? null : [['authorization', authorization]] };
}

/** Why a template's userinfo can't be split off, or null when it can (or has none). */
export function firmwareUserinfoProblem(template: string): string | null {
  const userinfo = firmwareUserinfo(template);
  if (userinfo === null) return null;
  if (userinfo.includes('{device}')) return 'the userinfo (user:password@) cannot vary per device: put {device} in the path or the query';
  let stripped: URL;
  try {
    stripped = new URL(renderUrl(template.replace(userinfoRe, '$1'), 'device'));
  } catch {
    return 'the userinfo (user:password@) cannot be told apart from the host';
  }
  // Cut as the URL parser reads it: what is left has no userinfo, and the host is the one the whole URL names.
  const whole = new URL(renderUrl(template, 'device'));
  if (stripped.username !== '' || stripped.password !== '' || stripped.host !== whole.host) return 'the userinfo (user:password@) cannot be told apart from the host';
  return null;
}
