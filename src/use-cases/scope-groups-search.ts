import { Services } from '../app/services';
import { AppError } from '../domain/app-error';
import { DirectoryGroup } from '../ports/group-directory.port';
import { loadIntegration } from './integration-updates';

/** Groups an admin can pick for the sync scope: at most this many per search. */
export const GROUP_SEARCH_LIMIT = 25;

/**
 * Finds groups in the company's connected tenant by display-name prefix, for the scope picker.
 * `not_connected` without a tenant; `group_permission_missing` when the tenant's consent lacks
 * GroupMember.Read.All (the admin of the tenant connects again to grant it).
 */
export async function searchScopeGroups(
  services: Pick<Services, 'integrations' | 'clock' | 'groupDirectory'>,
  companyId: string,
  search: string,
): Promise<{ items: DirectoryGroup[] }> {
  const { integration } = await loadIntegration(services, companyId);
  if (integration.status !== 'connected' || integration.tenantId === null) {
    throw new AppError('not_connected', 'Connect the company to its Entra ID tenant before choosing groups.');
  }
  return { items: await services.groupDirectory.searchGroups(integration.tenantId, search, GROUP_SEARCH_LIMIT) };
}

/**
 * The groups with these ids in the company's connected tenant (a scope's groups, named): what the
 * settings show before a sync has read the groups. Groups deleted since are left out.
 */
export async function scopeGroupsByIds(
  services: Pick<Services, 'integrations' | 'clock' | 'groupDirectory'>,
  companyId: string,
  ids: readonly string[],
): Promise<{ items: DirectoryGroup[] }> {
  const { integration } = await loadIntegration(services, companyId);
  if (integration.status !== 'connected' || integration.tenantId === null) {
    throw new AppError('not_connected', 'Connect the company to its Entra ID tenant before naming its groups.');
  }
  return { items: await services.groupDirectory.getGroups(integration.tenantId, ids) };
}
