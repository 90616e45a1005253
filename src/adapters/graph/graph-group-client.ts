import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import type { DirectoryGroup, GroupDeltaPage, GroupDirectory } from '../../ports/group-directory.port';
import { mapWithConcurrency } from '../../shared/bounded-concurrency';
import { parseJson } from '../../shared/json';
import { answerFailure, type GraphAnswer } from './graph-errors';
import type { GraphTransport } from './graph-transport';

/**
 * The tenant's groups over the Graph transport: `GET /groups` by display-name prefix (the scope
 * picker) and `groups/delta` with members (scope by group membership). Both need
 * GroupMember.Read.All; a tenant whose consent lacks it answers 403, which here means
 * `group_permission_missing` — not a revoked consent (users still read fine).
 */

/** Graph allows at most this many `id eq` terms in a groups/delta filter. */
export const MAX_DELTA_FILTER_IDS = 50;

const GroupSchema = z.object({
  id: z.string().min(1).max(64),
  displayName: z.string().max(256).nullable(),
  mail: z.string().max(320).nullable().optional(),
});
const GroupListSchema = z.object({ value: z.array(GroupSchema) });

/** Most groups one getGroups call looks up (a scope names at most 20). */
export const MAX_GROUPS_BY_ID = 20;
const LOOKUP_CONCURRENCY = 5;

function groupOf(g: z.infer<typeof GroupSchema>): DirectoryGroup {
  return { id: g.id.toLowerCase(), displayName: g.displayName ?? g.id, mail: g.mail ?? null };
}

const DeltaPageSchema = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** OData string literal: single quotes doubled. */
function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class GraphGroupClient implements GroupDirectory {
  constructor(private readonly graph: GraphTransport) {}

  async searchGroups(tenantId: string, prefix: string, limit: number): Promise<DirectoryGroup[]> {
    const filter =
      prefix.trim() === ''
        ? ''
        : `&$filter=${encodeURIComponent(`startswith(displayName,${odataString(prefix.trim())})`)}`;
    const url = this.graph.url(
      `/groups?$select=id,displayName,mail&$top=${String(Math.min(Math.max(limit, 1), 999))}${filter}`,
    );
    const answer = await this.graph.send(tenantId, { method: 'GET', url, operation: 'groups.list' });
    if (answer.status !== 200) throw this.failure(answer, 'list groups');
    const parsed = GroupListSchema.safeParse(parseJson(answer.text));
    if (!parsed.success)
      throw new AppError('directory_invalid_response', 'Graph answered /groups with a body that is not a group list.');
    return parsed.data.value.slice(0, limit).map(groupOf);
  }

  async getGroups(tenantId: string, ids: readonly string[]): Promise<DirectoryGroup[]> {
    const wanted = [...new Set(ids.map((g) => g.toLowerCase()))];
    if (wanted.length > MAX_GROUPS_BY_ID || wanted.some((g) => !GUID.test(g)))
      throw new AppError('validation_failed', `Groups are looked up by 1 to ${String(MAX_GROUPS_BY_ID)} group ids.`);
    // One GET per group (a scope names at most 20): a group deleted meanwhile answers 404.
    const found = await mapWithConcurrency(wanted, LOOKUP_CONCURRENCY, async (id) => {
      const url = this.graph.url(`/groups/${id}?$select=id,displayName,mail`);
      const answer = await this.graph.send(tenantId, { method: 'GET', url, operation: 'groups.get' });
      if (answer.status === 404) return null;
      if (answer.status !== 200) throw this.failure(answer, 'read a group');
      const parsed = GroupSchema.safeParse(parseJson(answer.text));
      if (!parsed.success || parsed.data.id.toLowerCase() !== id)
        throw new AppError(
          'directory_invalid_response',
          'Graph answered /groups/{id} with a body that is not that group.',
        );
      return groupOf(parsed.data);
    });
    return found.filter((g): g is DirectoryGroup => g !== null);
  }

  async groupsDeltaPage(
    tenantId: string,
    from: { groupIds: readonly string[] } | { link: string },
  ): Promise<GroupDeltaPage> {
    let url: string;
    if ('link' in from) {
      if (!this.graph.isGraphLink(from.link))
        throw new AppError(
          'directory_delta_reset',
          'The stored groups delta link does not belong to the configured Graph endpoint.',
          { meta: { restartLink: null } },
        );
      url = from.link;
    } else {
      const ids = [...new Set(from.groupIds.map((g) => g.toLowerCase()))];
      if (ids.length === 0 || ids.length > MAX_DELTA_FILTER_IDS || ids.some((g) => !GUID.test(g))) {
        throw new AppError(
          'validation_failed',
          `A groups delta round covers 1 to ${String(MAX_DELTA_FILTER_IDS)} group ids.`,
        );
      }
      const filter = ids.map((g) => `id eq ${odataString(g)}`).join(' or ');
      url = this.graph.url(`/groups/delta?$select=displayName,members&$filter=${encodeURIComponent(filter)}`);
    }
    const answer = await this.graph.send(tenantId, { method: 'GET', url, operation: 'groups.delta' });
    if (answer.status !== 200) throw this.failure(answer, 'read a groups/delta page');
    const parsed = DeltaPageSchema.safeParse(parseJson(answer.text));
    if (!parsed.success)
      throw new AppError('directory_invalid_response', 'Graph answered with a body that is not a groups delta page.');
    const nextLink = parsed.data['@odata.nextLink'] ?? null;
    const deltaLink = parsed.data['@odata.deltaLink'] ?? null;
    if ((nextLink === null) === (deltaLink === null))
      throw new AppError(
        'directory_invalid_response',
        'A groups delta page must carry exactly one of @odata.nextLink and @odata.deltaLink.',
      );
    if (!this.graph.isGraphLink(nextLink ?? deltaLink ?? ''))
      throw new AppError(
        'directory_invalid_response',
        'A groups delta page links outside the configured Graph endpoint.',
      );
    this.graph.log('graph.groups_delta_page', { tenantId, items: parsed.data.value.length, last: deltaLink !== null });
    return { items: parsed.data.value, nextLink, deltaLink };
  }

  private failure(answer: GraphAnswer, what: string): AppError {
    return answerFailure(answer, {
      what,
      nowMs: this.graph.clock.now().getTime(),
      clientError: 'directory_invalid_response',
      special: (status, graphCode) => {
        if (status === 403) {
          return new AppError(
            'group_permission_missing',
            "The tenant's consent does not let the app read group memberships (GroupMember.Read.All).",
            { meta: { status, graphCode } },
          );
        }
        if (
          status === 410 ||
          (status >= 400 &&
            status < 500 &&
            graphCode !== null &&
            /^(syncstatenotfound|resyncrequired|syncstateinvalid)$/i.test(graphCode))
        ) {
          return new AppError(
            'directory_delta_reset',
            `Graph discarded the groups delta state (${String(status)}): a full groups round is needed.`,
            { meta: { status, graphCode, restartLink: null } },
          );
        }
        return null;
      },
    });
  }
}
