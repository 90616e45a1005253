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
}

export type FormField = 'autoApprove' | 'exclude' | 'roleAddressPatterns' | 'notifyEmails' | 'deletionThresholdPercent' | 'deletionThresholdMinimum' | 'form';

export function toForm(settings: Settings): SettingsForm {
  return {
    autoApprove: settings.autoApprove,
    exclude: { ...settings.exclude },
    roleAddressPatterns: settings.roleAddressPatterns.join('\n'),
    notifyEmails: settings.notifyEmails.join('\n'),
    deletionThresholdPercent: String(settings.deletionThresholdPercent),
    deletionThresholdMinimum: String(settings.deletionThresholdMinimum),
  };
}

function lines(text: string): string[] {
  return text
    .split(/[\n,;]/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
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
  };
}

const FIELDS: readonly FormField[] = ['autoApprove', 'exclude', 'roleAddressPatterns', 'notifyEmails', 'deletionThresholdPercent', 'deletionThresholdMinimum'];

/** The API's field errors, per form field; list items name their line (`notifyEmails.1` → "Line 2: …"). */
export function fieldErrors(errors: ReadonlyArray<{ field: string; message: string }>, form: SettingsForm): Partial<Record<FormField, string>> {
  const out: Partial<Record<FormField, string>> = {};
  for (const { field, message } of errors) {
    const [head, index] = field.split('.');
    const key: FormField = FIELDS.includes(head as FormField) ? (head as FormField) : 'form';
    let text = message;
    if ((key === 'notifyEmails' || key === 'roleAddressPatterns') && index !== undefined && /^\d+$/.test(index)) {
      const value = lines(form[key])[Number(index)];
      text = `${value === undefined ? `Line ${Number(index) + 1}` : `"${value}"`}: ${message}`;
    } else if (key === 'exclude' && index !== undefined) {
      text = `${index}: ${message}`;
    }
    out[key] = out[key] ? `${out[key] ?? ''}; ${text}` : text;
  }
  return out;
}
