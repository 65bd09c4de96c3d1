/**
 * Per-device values rendered from the campaign's templates: `dst` from `dstTemplate`
 * (`{campaign}`, `{device}`, `{index}`), the URL from the firmware URL (`{device}`, URL-encoded,
 * so per-device signed or tagged URLs work while the digest keeps the shared cache shared).
 */

/** Device ids become path segments and URL parts: a conservative alphabet, and never `.` or `..`. */
export const deviceIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export function renderDst(template: string, values: { campaign: string; device: string; index: number }): string {
  return template.replaceAll('{campaign}', values.campaign).replaceAll('{device}', values.device).replaceAll('{index}', String(values.index));
}

export function renderUrl(template: string, device: string): string {
  return template.replaceAll('{device}', encodeURIComponent(device));
}

/** A template that does not vary per device would send every device's file to one path. */
export function isPerDeviceTemplate(template: string): boolean {
  return template.includes('{device}') || template.includes('{index}');
}
