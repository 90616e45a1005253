// Microsoft Graph v1.0 `groups` routes of the simulator (GroupMember.Read.All):
//   GET /groups?$filter=startswith(displayName,'x')&$select=…&$top=…   find groups
//   GET /groups/{id}?$select=…
//   GET /groups/delta?$select=displayName,members&$filter=id eq '…' or id eq '…'   membership delta
// A tenant whose consent lacks GroupMember.Read.All answers 403 Authorization_RequestDenied, as
// Graph does.
import type { SimulatorContext } from './context';
import { GraphFailure } from './graph-error';
import { MAX_FILTER_IDS, type SimulatedGroup } from './groups';
import type { TenantDirectory } from './tenant-directory';

export interface GroupReply {
  status: number;
  body: Record<string, unknown>;
}

const GROUP_PROPERTIES = ['id', 'displayName', 'description', 'mail', 'mailEnabled', 'securityEnabled', 'groupTypes'] as const;
type GroupProperty = (typeof GROUP_PROPERTIES)[number];
const CANONICAL = new Map<string, GroupProperty>(GROUP_PROPERTIES.map((p) => [p.toLowerCase(), p]));
const LIST_MAX_TOP = 999;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function denied(): GraphFailure {
  return new GraphFailure(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

/** `$select` of group properties (and `members`, only on delta). */
function parseGroupSelect(raw: string | undefined, allowMembers: boolean): { props: GroupProperty[]; members: boolean } {
  if (raw === undefined) return { props: [...GROUP_PROPERTIES], members: allowMembers };
  const props: GroupProperty[] = ['id'];
  let members = false;
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (allowMembers && part.toLowerCase() === 'members') {
      members = true;
      continue;
    }
    const canonical = CANONICAL.get(part.toLowerCase());
    if (!canonical) throw new GraphFailure(400, 'Request_BadRequest', `Could not find a property named '${part}' on type 'microsoft.graph.group'.`);
    if (!props.includes(canonical)) props.push(canonical);
  }
  return { props, members };
}

function project(group: SimulatedGroup, props: readonly GroupProperty[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of props) out[p] = group[p];
  return out;
}

/** `startswith(displayName,'x')` — the one filter this simulator understands on /groups. */
function parseStartsWith(filter: string): string {
  const match = /^\s*startswith\(\s*displayName\s*,\s*'((?:[^']|'')*)'\s*\)\s*$/i.exec(filter);
  if (!match) throw new GraphFailure(400, 'Request_UnsupportedQuery', "Unsupported query. The simulator supports $filter=startswith(displayName,'…') on /groups.");
  return (match[1] ?? '').replace(/''/g, "'");
}

/** `id eq 'a' or id eq 'b'` (at most MAX_FILTER_IDS terms), the filter groups/delta supports. */
function parseIdFilter(filter: string): string[] {
  const terms = filter.split(/\s+or\s+/i);
  if (terms.length > MAX_FILTER_IDS) throw new GraphFailure(400, 'Request_BadRequest', `A filter can hold at most ${String(MAX_FILTER_IDS)} ids.`);
  return terms.map((term) => {
    const match = /^\s*id\s+eq\s+'([^']+)'\s*$/i.exec(term);
    if (!match?.[1] || !GUID.test(match[1])) throw new GraphFailure(400, 'Request_UnsupportedQuery', "Unsupported query. groups/delta supports $filter=id eq '…' or id eq '…'.");
    return match[1].toLowerCase();
  });
}

export function listGroups(tenant: TenantDirectory, opts: Map<string, string>, base: string): GroupReply {
  if (!tenant.groupPermissionGranted) throw denied();
  const { props } = parseGroupSelect(opts.get('select'), false);
  const rawTop = opts.get('top');
  const top = rawTop === undefined ? 100 : Number(rawTop);
  if (!(Number.isInteger(top) && top >= 1 && top <= LIST_MAX_TOP)) throw new GraphFailure(400, 'Request_BadRequest', `Invalid page size specified: '${rawTop ?? ''}'. Must be between 1 and ${String(LIST_MAX_TOP)} inclusive.`);
  const filter = opts.get('filter');
  const groups = tenant.groups.list(filter === undefined ? undefined : parseStartsWith(filter)).slice(0, top);
  return { status: 200, body: { '@odata.context': `${base}/$metadata#groups`, value: groups.map((g) => project(g, props)) } };
}

export function getGroup(tenant: TenantDirectory, id: string, opts: Map<string, string>, base: string): GroupReply {
  if (!tenant.groupPermissionGranted) throw denied();
  const group = tenant.groups.get(id);
  if (!group) throw new GraphFailure(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  return { status: 200, body: { '@odata.context': `${base}/$metadata#groups/$entity`, ...project(group, parseGroupSelect(opts.get('select'), false).props) } };
}

export function groupsDelta(ctx: SimulatorContext, tenant: TenantDirectory, opts: Map<string, string>, base: string): GroupReply {
  if (!tenant.groupPermissionGranted) throw denied();
  for (const option of ['top', 'expand', 'orderby', 'search', 'count', 'skip']) if (opts.has(option)) throw new GraphFailure(400, 'Request_UnsupportedQuery', `The query option '$${option}' is not supported on groups/delta.`);
  const deltaToken = opts.get('deltatoken');
  const skipToken = opts.get('skiptoken');
  const select = parseGroupSelect(opts.get('select'), true);
  let round;
  if (deltaToken !== undefined || skipToken !== undefined) {
    const token = tenant.groups.decode(ctx.codec, deltaToken ?? skipToken ?? '');
    if (token === null || token.d !== (deltaToken !== undefined)) throw new GraphFailure(400, 'badRequest', 'The token is malformed or not recognised.');
    round = deltaToken !== undefined ? tenant.groups.startRound(null, token) : token;
  } else {
    const filter = opts.get('filter');
    round = tenant.groups.startRound(filter === undefined ? null : parseIdFilter(filter), null);
  }
  const page = tenant.groups.page(ctx.codec, round, (g) => project(g, select.props));
  const value = select.members ? page.value : page.value.map(({ ['members@delta']: _members, ...rest }) => rest);
  const body: Record<string, unknown> = { '@odata.context': `${base}/$metadata#groups`, value };
  if (page.nextToken !== null) body['@odata.nextLink'] = `${base}/groups/delta?$skiptoken=${page.nextToken}`;
  if (page.deltaToken !== null) body['@odata.deltaLink'] = `${base}/groups/delta?$deltatoken=${page.deltaToken}`;
  return { status: 200, body };
}
