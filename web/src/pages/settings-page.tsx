import { Button, Checkbox, Field, Input, Radio, RadioGroup, Textarea } from '@fluentui/react-components';
import { type SyntheticEvent, useEffect, useState } from 'react';
import { ApiError, companyPath } from '../api/client';
import { IntegrationStatusSchema, SettingsSchema } from '../api/schemas';
import { companyDataChanged } from '../components/changes';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, ErrorBar, Loading, Note, PageHeader, useUiStyles } from '../components/ui';
import { asApiError, useLoad } from '../components/use-load';
import { paths } from '../logic/routes';
import { fieldErrors, type FormField, type SettingsForm, toForm, toPatch } from '../logic/settings-form';
import { AUTO_APPROVE_LABELS } from '../logic/words';

const EXCLUSIONS: ReadonlyArray<{ key: keyof SettingsForm['exclude']; label: string }> = [
  { key: 'guests', label: 'Guests (invited from other organizations)' },
  { key: 'disabled', label: 'Accounts with sign-in blocked' },
  { key: 'unlicensed', label: 'Accounts without a licence (shared mailboxes, rooms, service accounts)' },
  { key: 'roleAddresses', label: 'Role addresses (info@, sales@, …)' },
];

/** Every setting, validated by the API itself: its field errors are shown at the fields. */
export function SettingsPage(props: { companyId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const status = useLoad(() => api.get(companyPath(props.companyId, 'entra'), IntegrationStatusSchema), [api, props.companyId]);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [errors, setErrors] = useState<Partial<Record<FormField, string>>>({});
  const [saved, setSaved] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (status.data && form === null) setForm(toForm(status.data.settings));
  }, [status.data, form]);

  const update = (change: Partial<SettingsForm>) => {
    setForm((f) => (f ? { ...f, ...change } : f));
    setSaved(false);
  };

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    if (!form) return;
    setBusy(true);
    setSaved(false);
    setFailure(null);
    try {
      const settings = await api.patch(companyPath(props.companyId, 'entra/settings'), toPatch(form), SettingsSchema);
      setForm(toForm(settings));
      setErrors({});
      setSaved(true);
      companyDataChanged();
    } catch (e) {
      const error = asApiError(e);
      if (error instanceof ApiError && error.errors.length > 0) setErrors(fieldErrors(error.errors, form));
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const invalid = (field: FormField) => (errors[field] ? { validationState: 'error' as const, validationMessage: errors[field] } : {});
  return (
    <>
      <PageHeader title="Settings" subtitle="How this company’s directory becomes its Symbol user list. Settings are kept across reconnects." />
      <ErrorBar error={status.error} title="The settings could not be loaded" />
      <ErrorBar error={failure} title="The settings were not saved" />
      {saved ? (
        <div role="status">
          <Note intent="success" title="Settings saved">
            They apply from the next sync. {form && form.autoApprove !== 'off' ? <>Users already waiting are not approved by themselves: <Link to={paths.pending(props.companyId)}>apply the rule to them</Link>.</> : null}
          </Note>
        </div>
      ) : null}
      {Object.keys(errors).length > 0 ? (
        <div role="alert">
          <Note intent="error" title="Some settings need fixing">
            Nothing was saved. The fields below say what is wrong.
          </Note>
        </div>
      ) : null}
      {form ? (
        <form onSubmit={(e) => void save(e)} noValidate aria-label="Sync settings">
          <Card title="Auto-approve">
            <Field label="Approve new users without an admin" {...invalid('autoApprove')}>
              <RadioGroup value={form.autoApprove} onChange={(_e, d) => { update({ autoApprove: SettingsSchema.shape.autoApprove.parse(d.value) }); }}>
                {Object.entries(AUTO_APPROVE_LABELS).map(([value, { label, help }]) => (
                  <Radio key={value} value={value} label={`${label} — ${help}`} />
                ))}
              </RadioGroup>
            </Field>
          </Card>
          <Card title="Keep out of the pending list">
            <Field label="Never list these as pending (they are counted as excluded)" {...invalid('exclude')}>
              <div className={ui.stack} style={{ gap: 2 }}>
                {EXCLUSIONS.map(({ key, label }) => (
                  <Checkbox key={key} label={label} checked={form.exclude[key]} onChange={(_e, d) => { update({ exclude: { ...form.exclude, [key]: d.checked === true } }); }} />
                ))}
              </div>
            </Field>
            <Field label="Role-address patterns" hint="One per line: the part before @, with * as a wildcard (e.g. noreply*)." style={{ marginTop: 16 }} {...invalid('roleAddressPatterns')}>
              <Textarea value={form.roleAddressPatterns} rows={6} resize="vertical" onChange={(_e, d) => { update({ roleAddressPatterns: d.value }); }} />
            </Field>
          </Card>
          <Card title="E-mails">
            <Field label="Who gets integration e-mails" hint="One address per line. Empty: the admin who connected Entra ID." {...invalid('notifyEmails')}>
              <Textarea value={form.notifyEmails} rows={3} resize="vertical" onChange={(_e, d) => { update({ notifyEmails: d.value }); }} />
            </Field>
          </Card>
          <Card title="Deletion safety threshold">
            <div className={ui.row} style={{ alignItems: 'flex-start', gap: 24 }}>
              <Field label="Hold deactivations above this share of synced users (%)" {...invalid('deletionThresholdPercent')}>
                <Input value={form.deletionThresholdPercent} inputMode="decimal" onChange={(_e, d) => { update({ deletionThresholdPercent: d.value }); }} />
              </Field>
              <Field label="…but only when at least this many would be deactivated" {...invalid('deletionThresholdMinimum')}>
                <Input value={form.deletionThresholdMinimum} inputMode="numeric" onChange={(_e, d) => { update({ deletionThresholdMinimum: d.value }); }} />
              </Field>
            </div>
          </Card>
          {errors.form ? <Note intent="error">{errors.form}</Note> : null}
          <div className={ui.row}>
            <Button type="submit" appearance="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </Button>
            <Button
              disabled={busy}
              onClick={() => {
                if (status.data) setForm(toForm(status.data.settings));
                setErrors({});
              }}
            >
              Discard changes
            </Button>
          </div>
        </form>
      ) : status.loading ? (
        <Loading />
      ) : null}
    </>
  );
}
