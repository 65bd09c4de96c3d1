import { parseUrl, isCourierError } from '@courier/origin';
import { z } from 'zod';
import { redactUserinfo } from '@courier/queue';
import { firmwareUserinfoProblem } from '../campaigns/campaign-credentials.ts';
import { campaignDefaults } from '../campaigns/campaign-defaults.ts';
import type { CampaignRequest } from '../campaigns/campaign-engine.ts';
import { deviceIdPattern, isPerDeviceTemplate, renderDst, renderUrl } from '../campaigns/device-templates.ts';
import { dstProblem } from './download-dst.ts';
import { enqueueOptionsShape } from './request-job.ts';

/** Problems reported at most per request body (a 100,000-device list with every entry wrong need not be walked twice). */
const maxIssues = 10;

type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: PropertyKey[], message: string, courierCode?: string): void {
  ctx.addIssue({ code: 'custom', path, message, ...(courierCode === undefined ? {} : { params: { courierCode } }) });
}

const firmwareSchema = z.strictObject({
  /** `{device}` is replaced by the URL-encoded device id (per-device URLs). */
  url: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(8192, 'must be at most 8192 characters')
    .superRefine((url, ctx) => {
      try {
        parseUrl(renderUrl(url, 'device'));
      } catch (error) {
        // The message may echo the URL: never its userinfo (the answer and the log line carry it).
        ctx.addIssue({ code: 'custom', message: redactUserinfo((error as Error).message), params: { courierCode: isCourierError(error) ? error.code : 'BAD_URL' } });
        return;
      }
      const problem = firmwareUserinfoProblem(url);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, params: { courierCode: 'BAD_URL' } });
    }),
  sha256: z
    .string({ error: 'must be a string' })
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
    .transform((s) => s.toLowerCase()),
  /** In bytes. */
  size: z.number({ error: 'must be a number (bytes)' }).int('must be an integer (bytes)').min(0, 'must be ≥ 0').max(Number.MAX_SAFE_INTEGER),
});

/**
 * `POST /v1/campaigns`. Devices are ids (`"dev-1"`) or `{ id, dst? }` objects, in release order;
 * waves are cumulative fractions (`[0.01, 0.1, 1]`: 1 %, then up to 10 %, then everyone).
 * Devices are checked by hand rather than by a zod union: faster on 100,000 entries, and every
 * message names its entry (`devices[41]: …`).
 */
export function createCampaignBodySchema(downloadRoot: string | undefined) {
  const { maxDevices, maxWaves } = campaignDefaults;
  return z
    .strictObject({
      name: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
      firmware: firmwareSchema,
      devices: z
        .array(z.unknown(), { error: 'must be an array of device ids or { id, dst? } objects' })
        .min(1, 'a campaign needs at least one device')
        .max(maxDevices, `a campaign holds at most ${maxDevices} devices`),
      waves: z
        .array(z.number({ error: 'must be a number (a fraction of the devices)' }).gt(0, 'must be > 0').max(1, 'must be ≤ 1 (a fraction of the devices)'), {
          error: 'must be an array of cumulative fractions, e.g. [0.01, 0.1, 1]',
        })
        .min(1, 'needs at least one wave')
        .max(maxWaves, `at most ${maxWaves} waves`)
        .optional(),
      failureThreshold: z.number({ error: 'must be a number (a ratio, 0–1)' }).min(0, 'must be ≥ 0').max(1, 'must be ≤ 1 (a ratio of failed to finished devices)').optional(),
      dstTemplate: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').optional(),
      attempts: enqueueOptionsShape.attempts,
      idempotencyKey: enqueueOptionsShape.idempotencyKey,
    })
    .superRefine((body, ctx) => {
      const waves = body.waves ?? campaignDefaults.waves;
      for (let i = 1; i < waves.length; i += 1) {
        if (waves[i]! <= waves[i - 1]!) issue(ctx, ['waves', i], `must be greater than waves[${i - 1}] (fractions are cumulative)`);
      }
      if (waves.at(-1) !== 1) issue(ctx, ['waves', waves.length - 1], 'the last wave must be 1 (every device)');

      const template = body.dstTemplate ?? campaignDefaults.dstTemplate;
      const everyDeviceHasDst = body.devices.every((d) => typeof d === 'object' && d !== null && typeof (d as { dst?: unknown }).dst === 'string');
      if (!everyDeviceHasDst) {
        if (!isPerDeviceTemplate(template)) issue(ctx, ['dstTemplate'], 'must contain {device} or {index}, or every device would write the same file');
        const problem = dstProblem(renderDst(template, { campaign: 'cmp-x', device: 'device', index: 0 }), downloadRoot);
        if (problem !== null) issue(ctx, ['dstTemplate'], problem, 'BAD_PATH');
      }
      checkDevices(body.devices, downloadRoot, ctx);
    })
    .transform(
      (body): CampaignRequest => ({
        ...(body.name === undefined ? {} : { name: body.name }),
        firmware: body.firmware,
        devices: body.devices.map((d) => (typeof d === 'string' ? { id: d } : (d as { id: string; dst?: string }))),
        waves: body.waves ?? campaignDefaults.waves,
        failureThreshold: body.failureThreshold ?? campaignDefaults.failureThreshold,
        dstTemplate: body.dstTemplate ?? campaignDefaults.dstTemplate,
        ...(body.attempts === undefined ? {} : { attempts: body.attempts }),
        ...(body.idempotencyKey === undefined ? {} : { idempotencyKey: body.idempotencyKey }),
      }),
    );
}

const idRule = `a device id is 1–128 characters of A–Z a–z 0–9 . _ : @ -, starting with a letter or digit`;

function checkDevices(devices: readonly unknown[], downloadRoot: string | undefined, ctx: Ctx): void {
  const seenIds = new Map<string, number>();
  const seenDst = new Map<string, number>();
  let issues = 0;
  const report = (path: PropertyKey[], message: string, code?: string) => {
    issues += 1;
    issue(ctx, path, message, code);
  };
  for (let i = 0; i < devices.length && issues < maxIssues; i += 1) {
    const entry = devices[i];
    let id: unknown = entry;
    let dst: unknown;
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      const unknownKey = Object.keys(entry).find((k) => k !== 'id' && k !== 'dst');
      if (unknownKey !== undefined) {
        report(['devices', i, unknownKey], 'unknown field (a device is { id, dst? })');
        continue;
      }
      ({ id, dst } = entry as { id?: unknown; dst?: unknown });
      if (typeof id !== 'string') {
        report(['devices', i, 'id'], `must be a string: ${idRule}`);
        continue;
      }
    } else if (typeof entry !== 'string') {
      report(['devices', i], 'must be a device id (a string) or { id, dst? }');
      continue;
    }
    const path = typeof entry === 'string' ? ['devices', i] : ['devices', i, 'id'];
    if (!deviceIdPattern.test(id as string)) {
      report(path, idRule);
      continue;
    }
    const before = seenIds.get(id as string);
    if (before !== undefined) {
      report(path, `duplicate device id ${JSON.stringify(id)} (also devices[${before}])`);
      continue;
    }
    seenIds.set(id as string, i);
    if (dst === undefined) continue;
    if (typeof dst !== 'string' || dst.length === 0 || dst.length > 4096 || dst.includes('\0')) {
      report(['devices', i, 'dst'], 'must be a non-empty path of at most 4096 characters, without NUL');
      continue;
    }
    const problem = dstProblem(dst, downloadRoot);
    if (problem !== null) {
      report(['devices', i, 'dst'], problem, 'BAD_PATH');
      continue;
    }
    const sameDst = seenDst.get(dst);
    if (sameDst !== undefined) report(['devices', i, 'dst'], `the same dst as devices[${sameDst}]: two devices would write one file`);
    else seenDst.set(dst, i);
  }
}

export const campaignIdParams = z.strictObject({
  id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._~-]+$/, 'must be a campaign id ([A-Za-z0-9._~-])'),
});

const { devicePage, maxDevicePage, listPage, maxListPage } = campaignDefaults;

export const getCampaignQuery = z.strictObject({
  /** First device of the page (in campaign order, or among those in `deviceState`). */
  deviceOffset: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').default(0),
  /** Devices on the page (0 = none). */
  deviceLimit: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').max(maxDevicePage, `must be at most ${maxDevicePage}`).default(devicePage),
  /** Only devices with this outcome. */
  deviceState: z.enum(['completed', 'failed', 'cancelled'], { error: 'must be completed, failed or cancelled' }).optional(),
});

export const listCampaignsQuery = z.strictObject({
  offset: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').default(0),
  limit: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be ≥ 1').max(maxListPage, `must be at most ${maxListPage}`).default(listPage),
});

export const abortCampaignResponse = z.object({
  id: z.string(),
  aborted: z.literal(true),
  /** Waiting jobs of the current wave that were cancelled (running ones finish). */
  cancelled: z.number().int(),
  state: z.literal('aborted'),
});
