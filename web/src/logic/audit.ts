import { z } from 'zod';
import type { AuditActor, AuditEntry } from '../api/schemas';
import { changeLine, type GroupNamer } from './settings-changes';
import { AUTO_APPROVE_LABELS, fieldLabel, fieldValueText, plural, REMOVAL_LABELS } from './words';

/**
 * The audit trail in words: who (an admin by e-mail, or the sync and its run), what happened to
 * whom, and the details (fields before → after). Unknown actions and fields are shown as they are.
 */

export const ACTION_LABELS: Record<string, string> = {
  connect: 'Entra ID connected',
  disconnect: 'Entra ID disconnected',
  settings_change: 'Settings changed',
  approve: 'Approved',
  deny: 'Denied',
  restore: 'Restored to pending',
  merge: 'Merged with an existing user',
  merge_undo: 'Merge undone',
  held_release: 'Held deactivations released',
  auto_approve: 'Approved automatically',
  deactivate: 'Deactivated by the sync',
  reactivate: 'Reactivated by the sync',
};

export function actorText(actor: AuditActor): { name: string; note: string | null } {
  if (actor.type === 'sync') return { name: 'Entra ID sync', note: `run ${actor.runId.slice(0, 8)}` };
  return { name: actor.email ?? actor.subject, note: actor.email ? null : 'no e-mail in the token' };
}

const ChangesSchema = z.record(z.string(), z.object({ before: z.unknown(), after: z.unknown() }));
type Changes = z.infer<typeof ChangesSchema>;

/** A details field holding `{ field: { before, after } }`; anything else reads as no changes. */
function changesOf(value: unknown): Changes {
  const parsed = ChangesSchema.safeParse(value);
  return parsed.success ? parsed.data : {};
}

function fieldLines(changes: Changes): string[] {
  return Object.entries(changes).map(([field, c]) => `${fieldLabel(field)}: ${fieldValueText(field, typeof c.before === 'string' ? c.before : null)} → ${fieldValueText(field, typeof c.after === 'string' ? c.after : null)}`);
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The target as a person or the company's integration. */
function who(entry: AuditEntry): string {
  const { name, email } = entry.target;
  if (name && email) return `${name} (${email})`;
  return name ?? email ?? entry.target.id;
}

export interface EntryWords {
  what: string;
  details: string[];
}

/** `groupName` names the scope's groups in a settings change (their ids otherwise). */
export function describeEntry(entry: AuditEntry, groupName?: GroupNamer): EntryWords {
  const d = entry.details;
  const target = who(entry);
  switch (entry.action) {
    case 'connect': {
      const consented = typeof d.consentedBy === 'object' && d.consentedBy !== null && 'username' in d.consentedBy ? text(d.consentedBy.username) : null;
      const details = [`Directory (tenant) ${text(d.tenantId) ?? '?'}`];
      if (text(d.previousTenantId)) details.push(`Replaced the connection to tenant ${text(d.previousTenantId) ?? ''}`);
      if (consented) details.push(`Consent granted by ${consented}`);
      return { what: 'Connected Entra ID', details };
    }
    case 'disconnect':
      return { what: 'Disconnected Entra ID', details: text(d.tenantId) ? [`It was connected to tenant ${text(d.tenantId) ?? ''}`] : [] };
    case 'settings_change':
      return {
        what: 'Changed the settings',
        details: Object.entries(changesOf(d.changes)).map(([path, c]) => changeLine(path, c.before, c.after, groupName)),
      };
    case 'approve': {
      const details: string[] = [];
      if (d.merged === true) details.push('Merged with an existing Symbol user');
      if (text(d.rule)) details.push(`By applying the auto-approve rule “${AUTO_APPROVE_LABELS[text(d.rule) ?? '']?.label ?? text(d.rule) ?? ''}” to users already waiting`);
      return { what: `Approved ${target}`, details };
    }
    case 'auto_approve':
      return {
        what: `Approved ${target} automatically`,
        details: [`Rule: ${AUTO_APPROVE_LABELS[text(d.rule) ?? '']?.label ?? text(d.rule) ?? '?'}`, ...(d.merged === true ? ['Merged with an existing Symbol user'] : [])],
      };
    case 'deny':
      return { what: `Denied ${target}`, details: d.previousStatus === 'excluded' ? ['It was excluded by the settings'] : [] };
    case 'restore':
      return { what: `Restored ${target} to pending`, details: [] };
    case 'merge':
      return { what: `Merged ${target} with its directory user`, details: fieldLines(changesOf(d.changed)) };
    case 'merge_undo': {
      const details = fieldLines(changesOf(d.restored));
      if (d.returnedToPending === true) details.push('The directory user waits in Pending approval again');
      if (d.emailKept === true) details.push('The e-mail address stayed: the old one belongs to another user now');
      return { what: `Undid the merge of ${target}`, details };
    }
    case 'held_release': {
      const held = typeof d.held === 'number' ? d.held : 0;
      return { what: `Released ${plural(held, 'held deactivation')}`, details: [`Applied by sync run ${(text(d.runId) ?? '').slice(0, 8)}`] };
    }
    case 'deactivate': {
      const reason = text(d.reason);
      return { what: `Deactivated ${target}`, details: [`In Entra ID: ${reason ? (REMOVAL_LABELS[reason] ?? reason) : '?'}`, ...(d.released === true ? ['Held by the safety threshold, then released by an admin'] : [])] };
    }
    case 'reactivate':
      return { what: `Reactivated ${target}`, details: ['Back in Entra ID (enabled or restored)'] };
    default:
      return { what: `${entry.action}: ${target}`, details: [] };
  }
}

/** The audit page's filters: dates are the browser's calendar days (`YYYY-MM-DD`), both inclusive. */
export interface AuditFilters {
  action: string;
  who: 'anyone' | 'sync' | 'person';
  person: string;
  from: string;
  to: string;
}

export const NO_FILTERS: AuditFilters = { action: '', who: 'anyone', person: '', from: '', to: '' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The instant a calendar day starts in the browser's time zone (null for anything else). */
export function dayStart(day: string, offsetDays = 0): string | null {
  if (!DAY.test(day)) return null;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d + offsetDays);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A problem with the filters the admin can fix before anything is asked. */
export function filtersProblem(filters: AuditFilters): string | null {
  if (filters.who === 'person' && filters.person.trim() === '') return 'Enter the e-mail address of the admin.';
  const from = dayStart(filters.from);
  const to = dayStart(filters.to, 1);
  if (from && to && from >= to) return 'The end date is before the start date.';
  return null;
}

/** `audit?…`: the filters as the API takes them (the end day is included: up to the next day's start). */
export function auditQuery(filters: AuditFilters, limit: number, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (filters.action) query.set('action', filters.action);
  if (filters.who === 'sync') query.set('actor', 'sync');
  if (filters.who === 'person' && filters.person.trim()) query.set('actor', filters.person.trim());
  const from = dayStart(filters.from);
  const to = dayStart(filters.to, 1);
  if (from) query.set('from', from);
  if (to) query.set('to', to);
  if (cursor) query.set('cursor', cursor);
  return `audit?${query.toString()}`;
}
