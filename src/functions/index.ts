/**
 * Every function of the app, imported for their registration side effect. The Functions host
 * loads `dist/src/functions/*.js` itself; the local host and tests import this list.
 */
export { health } from './health.http';
export { entraConnect } from './entra-connect.http';
export { entraConsentCallback } from './entra-consent-callback.http';
export { entraStatus } from './entra-status.http';
export { entraSettingsPatch } from './entra-settings-patch.http';
export { entraDisconnect } from './entra-disconnect.http';
export { notificationsSend } from './notifications-send.queue';
export { entraSync } from './entra-sync.http';
export { entraSyncRunsList, entraSyncRunGet, entraSyncRunPreview } from './entra-sync-runs.http';
export { syncJobs } from './sync-jobs.queue';
export { entraHeldRelease } from './entra-held-release.http';
export { entraHeldList } from './entra-held-list.http';
export { entraGroups } from './entra-groups.http';
export { pendingUsersList } from './pending-users-list.http';
export { pendingUsersApprove } from './pending-users-approve.http';
export { pendingUsersDeny } from './pending-users-deny.http';
export { pendingUsersRestore } from './pending-users-restore.http';
export { pendingUsersSearch } from './pending-users-search.http';
export { pendingUsersApplyAutoApprove } from './pending-users-apply-auto-approve.http';
export { usersList, usersCreate, usersGet } from './users.http';
export { usersMergeUndo } from './users-merge-undo.http';
export { auditList } from './audit-list.http';
export { companiesList } from './companies-list.http';
export { graphNotifications } from './graph-notifications.http';
export { graphLifecycle } from './graph-lifecycle.http';
export { subscriptionsRenew } from './subscriptions-renew.timer';
export { syncReconcile } from './sync-reconcile.timer';
