import type { Settings } from '../api/schemas';
import { AUTO_APPROVE_LABELS } from './words';

/**
 * Settings as changes: each setting by its dotted path (`exclude.guests`, `scope.groups`, as the
 * audit trail records them), its value in words, what differs between two sets of settings, and
 * the PATCH that turns one into the other (a preview's "Apply these settings").
 */

export const SETTING_LABELS: Record<string, string> = {
  autoApprove: 'Auto-approve',
  'exclude.guests': 'Exclude guests',
  'exclude.disabled': 'Exclude users whose sign-in is blocked',
  'exclude.unlicensed': 'Exclude users without a licence',
  'exclude.roleAddresses': 'Exclude role addresses',
  roleAddressPatterns: 'Role address patterns',
  notifyEmails: 'Who gets integration e-mails',
  deletionThresholdPercent: 'Hold deactivations above this share (%)',
  deletionThresholdMinimum: '…when at least this many',
  'scope.groups': 'Scope: members of the groups',
  'scope.domains': 'Scope: addresses in the domains',
  importOnConnect: 'Start the first import on connect',
};

/** Names a group id (the console's memory of group names, or the id itself). */
export type GroupNamer = (id: string) => string;

const sameId: GroupNamer = (id) => id;

/** A setting's value as a person reads it; an empty scope list means everyone. */
export function settingValue(path: string, value: unknown, groupName: GroupNamer = sameId): string {
  if (value === null || value === undefined) return '—';
  if (path === 'autoApprove' && typeof value === 'string') return AUTO_APPROVE_LABELS[value]?.label ?? value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) {
    if (value.length === 0) return path.startsWith('scope.') ? 'everyone' : 'none';
    return value.map((v) => (path === 'scope.groups' ? groupName(String(v)) : String(v))).join(', ');
  }
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/** `Label: before → after`. */
export function changeLine(path: string, before: unknown, after: unknown, groupName: GroupNamer = sameId): string {
  return `${SETTING_LABELS[path] ?? path}: ${settingValue(path, before, groupName)} → ${settingValue(path, after, groupName)}`;
}

/** Every setting by its dotted path, in the order the settings page shows them. */
function flatten(settings: Settings): Array<[string, unknown]> {
  return [
    ['autoApprove', settings.autoApprove],
    ['exclude.guests', settings.exclude.guests],
    ['exclude.disabled', settings.exclude.disabled],
    ['exclude.unlicensed', settings.exclude.unlicensed],
    ['exclude.roleAddresses', settings.exclude.roleAddresses],
    ['roleAddressPatterns', settings.roleAddressPatterns],
    ['scope.groups', settings.scope.groups],
    ['scope.domains', settings.scope.domains],
    ['importOnConnect', settings.importOnConnect],
    ['notifyEmails', settings.notifyEmails],
    ['deletionThresholdPercent', settings.deletionThresholdPercent],
    ['deletionThresholdMinimum', settings.deletionThresholdMinimum],
  ];
}

export interface SettingChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** What differs from `current` in `proposed`, setting by setting (lists compare in order). */
export function settingsDiff(current: Settings, proposed: Settings): SettingChange[] {
  const before = new Map(flatten(current));
  return flatten(proposed)
    .filter(([path, after]) => JSON.stringify(before.get(path)) !== JSON.stringify(after))
    .map(([path, after]) => ({ path, before: before.get(path), after }));
}

/** The PATCH …/entra/settings body that makes `current` into `proposed`, with only what differs. */
export function patchFor(current: Settings, proposed: Settings): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const exclude: Record<string, unknown> = {};
  const scope: Record<string, unknown> = {};
  for (const { path, after } of settingsDiff(current, proposed)) {
    const [head, tail] = path.split('.');
    if (head === 'exclude' && tail) exclude[tail] = after;
    else if (head === 'scope' && tail) scope[tail] = after;
    else if (head) patch[head] = after;
  }
  if (Object.keys(exclude).length > 0) patch.exclude = exclude;
  if (Object.keys(scope).length > 0) patch.scope = scope;
  return patch;
}
