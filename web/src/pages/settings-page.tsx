import { Button, Checkbox, Field, Input, Radio, RadioGroup, Text, Textarea } from '@fluentui/react-components';
import { type SyntheticEvent, useEffect, useId, useState } from 'react';
import { ApiError, companyPath } from '../api/client';
import { type IntegrationStatus, IntegrationStatusSchema, SettingsSchema } from '../api/schemas';
import { companyDataChanged } from '../components/changes';
import { GroupPicker } from '../components/group-picker';
import { openPreview } from '../components/open-preview';
import { Link } from '../components/router';
import { useSession } from '../components/session-context';
import { Card, ErrorBar, Loading, Note, PageHeader, useUiStyles } from '../components/ui';
import { asApiError, useLoad } from '../components/use-load';
import { rememberGroupNames } from '../logic/group-names';
import { paths } from '../logic/routes';
import { fieldErrors, type FormField, type SettingsForm, toForm, toPatch } from '../logic/settings-form';
import { AUTO_APPROVE_LABELS, scopeStateMessage } from '../logic/words';

const EXCLUSIONS: ReadonlyArray<{ key: keyof SettingsForm['exclude']; label: string }> = [
  { key: 'guests', label: 'Guests (invited from other organizations)' },
  { key: 'disabled', label: 'Accounts with sign-in blocked' },
  { key: 'unlicensed', label: 'Accounts without a licence (shared mailboxes, rooms, service accounts)' },
  { key: 'roleAddresses', label: 'Role addresses (info@, sales@, …)' },
];

/** The scope as it stands (saved settings): in effect, waiting for the next sync, or blocked, and what to do. */
function ScopeState(props: { status: IntegrationStatus; unsaved: boolean }) {
  const { companyId, scope } = props.status;
  const message = scopeStateMessage(scope);
  return (
    <div role="status" aria-label="Scope state">
      <Note
        intent={message.intent}
        title={message.title}
        actions={scope.state === 'groups_unreadable' ? <Link to={paths.entra(companyId)}>Reconnect Entra ID</Link> : scope.state === 'pending' ? <Link to={paths.sync(companyId)}>Sync now</Link> : undefined}
      >
        {message.text}
        {props.unsaved ? ' Your changes below are not saved yet.' : ''}
      </Note>
    </div>
  );
}

/** Every setting, validated by the API itself: its field errors are shown at the fields. */
export function SettingsPage(props: { companyId: string }) {
  const { api } = useSession();
  const ui = useUiStyles();
  const status = useLoad(() => api.get(companyPath(props.companyId, 'entra'), IntegrationStatusSchema), [api, props.companyId]);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [errors, setErrors] = useState<Partial<Record<FormField, string>>>({});
  const [saved, setSaved] = useState(false);
  const [failure, setFailure] = useState<{ error: ApiError; title: string } | null>(null);
  const [busy, setBusy] = useState<'save' | 'preview' | null>(null);
  const groupsLabel = useId();

  useEffect(() => {
    if (status.data && form === null) setForm(toForm(status.data.settings));
  }, [status.data, form]);
  useEffect(() => {
    if (status.data) rememberGroupNames(window.sessionStorage, status.data.scope.groups);
  }, [status.data]);

  const update = (change: Partial<SettingsForm>) => {
    setForm((f) => (f ? { ...f, ...change } : f));
    setSaved(false);
  };

  /** An answer with field errors shows them at the fields; anything else above the form. */
  const failed = (e: unknown, title: string) => {
    const error = asApiError(e);
    if (form && error.errors.length > 0) setErrors(fieldErrors(error.errors, form));
    else setFailure({ error, title });
  };

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    if (!form) return;
    setBusy('save');
    setSaved(false);
    setFailure(null);
    try {
      const settings = await api.patch(companyPath(props.companyId, 'entra/settings'), toPatch(form), SettingsSchema);
      setForm(toForm(settings));
      setErrors({});
      setSaved(true);
      status.reload();
      companyDataChanged();
    } catch (e) {
      failed(e, 'The settings were not saved');
    } finally {
      setBusy(null);
    }
  };

  // A preview judges the directory with the form as it is (saved or not) and changes nothing.
  const preview = async () => {
    if (!form) return;
    setBusy('preview');
    setSaved(false);
    setFailure(null);
    try {
      await openPreview(api, props.companyId, toPatch(form));
    } catch (e) {
      failed(e, 'The preview did not start');
      setBusy(null);
    }
  };

  const invalid = (field: FormField) => (errors[field] ? { validationState: 'error' as const, validationMessage: errors[field] } : {});
  const connected = status.data?.status === 'connected';
  const unsaved = form !== null && status.data !== undefined && JSON.stringify(toPatch(form)) !== JSON.stringify(toPatch(toForm(status.data.settings)));
  return (
    <>
      <PageHeader title="Settings" subtitle="How this company’s directory becomes its Symbol user list. Settings are kept across reconnects." />
      <ErrorBar error={status.error} title="The settings could not be loaded" />
      <ErrorBar error={failure?.error ?? null} title={failure?.title} />
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
          <Card title="Who is synced (scope)">
            {status.data ? <ScopeState status={status.data} unsaved={unsaved} /> : null}
            <Field
              label={{ children: 'Members of these groups', id: groupsLabel }}
              hint={connected ? 'Members of nested groups count too. Empty: no group rule. Reading memberships needs the GroupMember.Read.All permission in the tenant.' : 'Connect Entra ID to choose groups from its directory.'}
              {...invalid('scopeGroups')}
            >
              <GroupPicker companyId={props.companyId} groups={form.scopeGroups} enabled={connected} labelId={groupsLabel} onChange={(scopeGroups) => { update({ scopeGroups }); }} />
            </Field>
            <Field label="E-mail domains" hint="One per line, e.g. contoso.com. Empty: any domain. With groups as well, a user must be in both." style={{ marginTop: 16 }} {...invalid('scopeDomains')}>
              <Textarea value={form.scopeDomains} rows={3} resize="vertical" onChange={(_e, d) => { update({ scopeDomains: d.value }); }} />
            </Field>
            <Text as="p" className={ui.small}>
              Users outside the scope are listed as excluded, with the reason; approved users who leave it are deactivated, under the deletion safety threshold.
            </Text>
          </Card>
          <Card title="First import">
            <Field hint="Off: connecting Entra ID imports nothing until an admin starts the first import, so you can preview what it would do first." {...invalid('importOnConnect')}>
              <Checkbox label="Start the first import as soon as Entra ID is connected" checked={form.importOnConnect} onChange={(_e, d) => { update({ importOnConnect: d.checked === true }); }} />
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
            <Button type="submit" appearance="primary" disabled={busy !== null}>
              {busy === 'save' ? 'Saving…' : 'Save settings'}
            </Button>
            <Button disabled={busy !== null || !connected} onClick={() => void preview()}>
              {busy === 'preview' ? 'Starting the preview…' : 'Preview these changes'}
            </Button>
            <Button
              disabled={busy !== null}
              onClick={() => {
                if (status.data) setForm(toForm(status.data.settings));
                setErrors({});
              }}
            >
              Discard changes
            </Button>
          </div>
          <Text as="p" className={ui.small}>
            {connected ? 'A preview reads the directory and shows what a sync would do with the settings above, saved or not. It changes nothing.' : 'Previews need a connected directory.'}
          </Text>
        </form>
      ) : status.loading ? (
        <Loading />
      ) : null}
    </>
  );
}
