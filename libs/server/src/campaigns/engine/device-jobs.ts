// How a campaign's device maps to its download job.
import { jobIdForKey } from '@courier/queue';

/** The idempotency key of a device's job: the campaign and the device's position (never the device id: ids are caller data). */
export function deviceJobKey(campaignId: string, index: number): string {
  return `campaign.${campaignId}.${index}`;
}

export function deviceJobId(campaignId: string, index: number): string {
  return jobIdForKey(deviceJobKey(campaignId, index));
}
