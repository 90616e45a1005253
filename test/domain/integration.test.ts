import { connect, disconnect, Integration, newIntegration } from '../../src/domain/integration';
import { applySettingsPatch, DEFAULT_SETTINGS, notificationRecipients } from '../../src/domain/integration-settings';

const T1 = '0f8fad5b-d9cb-469f-a165-70867728950e';
const T2 = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const admin = { subject: 'sub-1', email: 'admin@acme.example' };
const at = (minute: number) => `2026-11-27T10:${String(minute).padStart(2, '0')}:00.000Z`;

function connected(tenantId = T1): Integration {
  const outcome = connect(newIntegration('acme', at(0)), { tenantId, admin, nowIso: at(1), newConnectionId: 'conn-1' });
  if (outcome.kind !== 'connected') throw new Error('expected connected');
  return { ...outcome.integration, lastSync: { runId: 'r1', status: 'succeeded', trigger: 'connect', mode: 'full', queuedAt: at(1), finishedAt: at(2) } };
}

describe('connect / disconnect transitions', () => {
  it.each<[string, () => Integration, string, { kind: string; connectionId: string; replacedTenantId?: string | null }]>([
    ['never connected → connected with a new connection', () => newIntegration('acme', at(0)), T1, { kind: 'connected', connectionId: 'conn-2', replacedTenantId: null }],
    ['connected, same tenant → unchanged', () => connected(), T1, { kind: 'unchanged', connectionId: 'conn-1' }],
    ['connected, other tenant → replaced, new connection', () => connected(), T2, { kind: 'connected', connectionId: 'conn-2', replacedTenantId: T1 }],
    ['disconnected, same tenant → connected, connection kept', () => disconnect(connected(), at(5)), T1, { kind: 'connected', connectionId: 'conn-1', replacedTenantId: null }],
    ['consent revoked, same tenant → connected again', () => ({ ...connected(), status: 'consent_revoked' as const }), T1, { kind: 'connected', connectionId: 'conn-1', replacedTenantId: null }],
    ['disconnected, other tenant → replaced', () => disconnect(connected(), at(5)), T2, { kind: 'connected', connectionId: 'conn-2', replacedTenantId: T1 }],
  ])('%s', (_name, current, tenantId, expected) => {
    const outcome = connect(current(), { tenantId, admin, nowIso: at(9), newConnectionId: 'conn-2' });
    expect(outcome.kind).toBe(expected.kind);
    expect(outcome.integration.connectionId).toBe(expected.connectionId);
    expect(outcome.integration.status).toBe('connected');
    expect(outcome.integration.tenantId).toBe(tenantId);
    if (outcome.kind === 'connected') {
      expect(outcome.replacedTenantId).toBe(expected.replacedTenantId);
      expect(outcome.integration.lastSync).toBeNull();
      expect(outcome.integration.connectedAt).toBe(at(9));
      expect(outcome.integration.disconnectedAt).toBeNull();
    } else {
      expect(outcome.integration).toEqual(current());
    }
  });

  it('keeps settings across reconnects and disconnects', () => {
    const custom = { ...connected(), settings: { ...DEFAULT_SETTINGS, autoApprove: 'clean' as const } };
    expect(connect(custom, { tenantId: T2, admin, nowIso: at(9), newConnectionId: 'x' }).integration.settings.autoApprove).toBe('clean');
    expect(disconnect(custom, at(9)).settings.autoApprove).toBe('clean');
  });

  it('disconnect is a no-op when not connected', () => {
    const fresh = newIntegration('acme', at(0));
    expect(disconnect(fresh, at(1))).toBe(fresh);
    const gone = disconnect(connected(), at(3));
    expect(gone).toMatchObject({ status: 'disconnected', disconnectedAt: at(3) });
    expect(disconnect(gone, at(4))).toBe(gone);
  });
});

describe('settings', () => {
  it('patches partially, lower-cases and de-duplicates addresses', () => {
    const next = applySettingsPatch(DEFAULT_SETTINGS, { exclude: { unlicensed: true }, notifyEmails: ['A@x.example', 'a@x.example'] });
    expect(next.exclude).toEqual({ guests: false, disabled: false, unlicensed: true, roleAddresses: false });
    expect(next.notifyEmails).toEqual(['a@x.example']);
    expect(next.autoApprove).toBe('off');
  });

  it('notifies the configured list, else the admin who connected, else nobody', () => {
    expect(notificationRecipients({ ...DEFAULT_SETTINGS, notifyEmails: ['sec@x.example'] }, 'a@x.example')).toEqual(['sec@x.example']);
    expect(notificationRecipients(DEFAULT_SETTINGS, 'a@x.example')).toEqual(['a@x.example']);
    expect(notificationRecipients(DEFAULT_SETTINGS, null)).toEqual([]);
  });
});
