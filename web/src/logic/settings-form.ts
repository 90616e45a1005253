import type { Settings } from '../api/schemas';

/**
 * The settings form: what the admin edits (text for lists and numbers), the PATCH it sends, and
 * where the API's own field errors (`errors[].field`, e.g. `notifyEmails.1`) are shown.
 */

export interface SettingsForm {
  autoApprove: Settings['autoApprove'];
  exclude: Settings['exclude'];
  roleAddressPatterns: string;
  notifyEmails: string;
  deletionThresholdPercent: string;
  deletionThresholdMinimum: string;
  /** The scope's group ids, in the order they were picked. */
  scopeGroups: string[];
  /** The scope's e-mail domains, one per line. */
  scopeDomains: string;
  importOnConnect: boolean;
}

export type FormField = 'autoApprove' | 'exclude' | 'roleAddressPatterns' | 'notifyEmails' | 'deletionThresholdPercent' | 'deletionThresholdMinimum' | 'scopeGroups' | 'scopeDomains' | 'importOnConnect' | 'form';

export function toForm(settings: Settings): SettingsForm {
  return {
    autoApprove: settings.autoApprove,
    exclude: { ...settings.exclude },
    roleAddressPatterns: settings.roleAddressPatterns.join('\n'),
    notifyEmails: settings.notifyEmails.join('\n'),
    deletionThresholdPercent: String(settings.deletionThresholdPercent),
    deletionThresholdMinimum: String(settings.deletionThresholdMinimum),
    scopeGroups: [...settings.scope.groups],
    scopeDomains: settings.scope.domains.join('\n'),
    importOnConnect: settings.importOnConnect,
  };
}

function lines(text: string): string[] {
  return text
    .split(/[\n,;]/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Domains as typed: one per line, a leading @ (as in "@contoso.com") dropped. */
function domains(text: string): string[] {
  return lines(text).map((d) => d.replace(/^@/, ''));
}

/** A number as typed, or the text itself, so the API (not a guess here) says what is wrong with it. */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== '' && /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export function toPatch(form: SettingsForm): Record<string, unknown> {
  return {
    autoApprove: form.autoApprove,
    exclude: form.exclude,
    roleAddressPatterns: lines(form.roleAddressPatterns),
    notifyEmails: lines(form.notifyEmails),
    deletionThresholdPercent: numberOrText(form.deletionThresholdPercent),
    deletionThresholdMinimum: numberOrText(form.deletionThresholdMinimum),
    scope: { groups: form.scopeGroups, domains: domains(form.scopeDomains) },
    importOnConnect: form.importOnConnect,
  };
}

const FIELDS: readonly FormField[] = ['autoApprove', 'exclude', 'roleAddressPatterns', 'notifyEmails', 'deletionThresholdPercent', 'deletionThresholdMinimum', 'importOnConnect'];

/** An error's field as the form knows it, and the rest of its path (`scope.domains.1` → scopeDomains, ['1']). */
function formFieldOf(field: string): { key: FormField; rest: string[] } {
  // A preview's errors name the settings inside its body (`settings.notifyEmails.1`).
  const [head, ...rest] = field.replace(/^settings\./, '').split('.');
  if (head === 'scope') {
    const [part, ...more] = rest;
    if (part === 'groups') return { key: 'scopeGroups', rest: more };
    if (part === 'domains') return { key: 'scopeDomains', rest: more };
    return { key: 'form', rest };
  }
  return { key: FIELDS.includes(head as FormField) ? (head as FormField) : 'form', rest };
}

/** The entries of a list field as the patch sent them, to name the one an error is about. */
function listEntries(key: FormField, form: SettingsForm): string[] | null {
  if (key === 'notifyEmails' || key === 'roleAddressPatterns') return lines(form[key]);
  if (key === 'scopeDomains') return domains(form.scopeDomains);
  return null;
}

/** The API's field errors, per form field; list items name their line (`notifyEmails.1` → "Line 2: …"). */
export function fieldErrors(errors: ReadonlyArray<{ field: string; message: string }>, form: SettingsForm): Partial<Record<FormField, string>> {
  const out: Partial<Record<FormField, string>> = {};
  for (const { field, message } of errors) {
    const { key, rest } = formFieldOf(field);
    const [index] = rest;
    const entries = listEntries(key, form);
    let text = message;
    if (entries !== null && index !== undefined && /^\d+$/.test(index)) {
      const value = entries[Number(index)];
      text = `${value === undefined ? `Line ${Number(index) + 1}` : `"${value}"`}: ${message}`;
    } else if (key === 'scopeGroups' && index !== undefined && /^\d+$/.test(index)) {
      text = `Group ${Number(index) + 1}: ${message}`;
    } else if (key === 'exclude' && index !== undefined) {
      text = `${index}: ${message}`;
    }
    out[key] = out[key] ? `${out[key] ?? ''}; ${text}` : text;
  }
  return out;
}
