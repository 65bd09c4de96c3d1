import type { FastifyPluginAsync } from 'fastify';
import { presentCampaign } from '../../../campaigns/campaign-view.ts';
import { ApiError } from '../../../http/api-error.ts';
import type { ZodTypeProvider } from '../../../http/zod-validation.ts';
import { abortCampaignResponse, campaignIdParams, createCampaignBodySchema, getCampaignQuery, listCampaignsQuery } from '../../../schemas/campaigns.ts';

export interface CampaignsRoutesOptions {
  /** The server's `COURIER_DOWNLOAD_ROOT` (for the `dst` checks at creation). */
  downloadRoot: string | undefined;
}

/** Rollout campaigns: create, list, read (with a page of devices), abort. The engine is `app.campaigns`. */
export const campaignsRoutes: FastifyPluginAsync<CampaignsRoutesOptions> = async (plain, options) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const view = (campaign: Parameters<typeof presentCampaign>[0]) => presentCampaign(campaign, app.campaigns.live(campaign));

  app.post('/', { schema: { body: createCampaignBodySchema(options.downloadRoot) } }, async (request, reply) => {
    const { campaign, created } = await app.campaigns.create(request.body);
    return reply.code(created ? 201 : 200).send(view(campaign));
  });

  app.get('/', { schema: { querystring: listCampaignsQuery } }, async (request) => {
    const { offset, limit } = request.query;
    const { total, ids } = await app.campaigns.store.list(offset, limit);
    const campaigns = (await Promise.all(ids.map((id) => app.campaigns.get(id)))).filter((c) => c !== null);
    return { total, offset, limit, campaigns: campaigns.map(view) };
  });

  app.get('/:id', { schema: { params: campaignIdParams, querystring: getCampaignQuery } }, async (request) => {
    const campaign = await app.campaigns.get(request.params.id);
    if (campaign === null) throw new ApiError('NOT_FOUND', `no campaign ${request.params.id}`, 404);
    const { deviceOffset: offset, deviceLimit: limit, deviceState: state } = request.query;
    const page = await app.campaigns.devices(campaign, { offset, limit, ...(state === undefined ? {} : { state }) });
    return { ...view(campaign), devicePage: { offset, limit, state: state ?? null, total: page.total, items: page.items } };
  });

  app.delete('/:id', { schema: { params: campaignIdParams, response: { 200: abortCampaignResponse } } }, async (request) => {
    const { campaign, cancelled } = await app.campaigns.abort(request.params.id);
    return { id: campaign.id, aborted: true as const, cancelled, state: 'aborted' as const };
  });
};
