import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { DIRECTORY_SELECT } from '../../domain/directory/directory-user';
import type { DirectoryClient, DirectoryPage } from '../../ports/directory-client.port';
import { parseJson } from '../../shared/json';
import { answerFailure, type GraphAnswer } from './graph-errors';
import type { GraphTransport } from './graph-transport';

/**
 * `users/delta` pages over the Graph transport: the start URL with the narrow `$select`, links
 * followed exactly as Graph gave them, each page validated, and the delta-specific answers (410
 * Gone, `syncStateNotFound`) told apart from the rest.
 */

/** Graph error codes meaning "the delta state is gone: start over". */
const RESET_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

const DeltaPageSchema = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});

export class GraphDirectoryClient implements DirectoryClient {
  private readonly startUrl: string;

  constructor(private readonly graph: GraphTransport) {
    this.startUrl = graph.url(`/users/delta?$select=${DIRECTORY_SELECT.join(',')}`);
  }

  async deltaPage(tenantId: string, link: string | null): Promise<DirectoryPage> {
    if (link !== null && !this.graph.isGraphLink(link)) {
      // e.g. a link stored before GRAPH_BASE_URL changed: only a new full round can help.
      throw new AppError(
        'directory_delta_reset',
        'The stored delta link does not belong to the configured Graph endpoint.',
        { meta: { restartLink: null } },
      );
    }
    const answer = await this.graph.send(tenantId, {
      method: 'GET',
      url: link ?? this.startUrl,
      operation: 'users.delta',
    });
    if (answer.status !== 200) throw this.failure(answer);
    const page = this.parsePage(answer.text);
    this.graph.log('graph.delta_page', { tenantId, items: page.items.length, last: page.deltaLink !== null });
    return page;
  }

  private failure(answer: GraphAnswer): AppError {
    return answerFailure(answer, {
      what: 'read a users/delta page',
      nowMs: this.graph.clock.now().getTime(),
      clientError: 'directory_invalid_response',
      special: (status, graphCode) => {
        if (
          status !== 410 &&
          !(status >= 400 && status < 500 && graphCode !== null && RESET_CODES.has(graphCode.toLowerCase()))
        )
          return null;
        const location = answer.headers.get('location');
        const restartLink = location !== null && this.graph.isGraphLink(location) ? location : null;
        return new AppError(
          'directory_delta_reset',
          `Graph discarded the delta state (${status}${graphCode ? ` ${graphCode}` : ''}): a full round is needed.`,
          {
            meta: { status, graphCode, restartLink },
          },
        );
      },
    });
  }

  private parsePage(text: string): DirectoryPage {
    const json = parseJson(text);
    if (json === undefined)
      throw new AppError('directory_invalid_response', 'Graph answered with a body that is not JSON.');
    const parsed = DeltaPageSchema.safeParse(json);
    if (!parsed.success) {
      const where = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || '(root)'))].join(
        ', ',
      );
      throw new AppError(
        'directory_invalid_response',
        `Graph answered with a body that is not a delta page (${where}).`,
      );
    }
    const nextLink = parsed.data['@odata.nextLink'] ?? null;
    const deltaLink = parsed.data['@odata.deltaLink'] ?? null;
    if ((nextLink === null) === (deltaLink === null)) {
      throw new AppError(
        'directory_invalid_response',
        `A delta page must carry exactly one of @odata.nextLink and @odata.deltaLink (it has ${nextLink === null ? 'neither' : 'both'}).`,
      );
    }
    if (!this.graph.isGraphLink(nextLink ?? deltaLink ?? ''))
      throw new AppError('directory_invalid_response', 'A delta page links outside the configured Graph endpoint.');
    return { items: parsed.data.value, nextLink, deltaLink };
  }
}
