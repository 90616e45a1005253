import { ConsentRevokedMessage, DeactivationsHeldMessage, NewPendingUsersMessage } from '../notification-message';
import { layout, RenderedEmail } from './html';

const companyUrl = (adminUiUrl: string, companyId: string, path: string) => `${adminUiUrl}/companies/${encodeURIComponent(companyId)}/${path}`;

export function renderNewPendingUsersEmail(message: NewPendingUsersMessage, adminUiUrl: string): RenderedEmail {
  const url = companyUrl(adminUiUrl, message.companyId, 'users/pending');
  const people = message.count === 1 ? '1 new user is' : `${message.count} new users are`;
  const subject = message.count === 1 ? '1 new user is waiting for approval' : `${message.count} new users are waiting for approval`;
  const more = message.count - message.sample.length;
  const names = message.sample.length > 0 ? `Among them: ${message.sample.join(', ')}${more > 0 ? ` and ${more} more` : ''}.` : '';
  const paragraphs = [
    `${people} waiting in "Pending for approval" for your Symbol company ${message.companyId}, found in Microsoft Entra ID.`,
    ...(names ? [names] : []),
    'Pending users are not trained, phished or billed until you approve them. Deny shared mailboxes and other non-person addresses to keep them out for good.',
  ];
  return { subject, text: `${paragraphs.join('\n\n')}\n\nReview them: ${url}\n`, html: layout({ heading: subject, paragraphs, action: { label: 'Review pending users', url } }) };
}

export function renderConsentRevokedEmail(message: ConsentRevokedMessage, adminUiUrl: string): RenderedEmail {
  const url = companyUrl(adminUiUrl, message.companyId, 'settings/entra');
  const subject = 'Entra ID sync stopped: access was revoked';
  const paragraphs = [
    `Symbol can no longer read the Microsoft Entra ID directory (tenant ${message.tenantId}) of your company ${message.companyId}: the admin consent was revoked or the app was removed.`,
    'Your Symbol users stay as they are, but changes in the directory are no longer followed. Reconnect Entra ID to resume.',
  ];
  return { subject, text: `${paragraphs.join('\n\n')}\n\nReconnect: ${url}\n`, html: layout({ heading: subject, paragraphs, action: { label: 'Reconnect Entra ID', url } }) };
}

export function renderDeactivationsHeldEmail(message: DeactivationsHeldMessage, adminUiUrl: string): RenderedEmail {
  const url = companyUrl(adminUiUrl, message.companyId, 'settings/entra');
  const subject = `Entra ID sync held ${message.held} deactivations for review`;
  const paragraphs = [
    `A directory sync for your company ${message.companyId} would deactivate ${message.held} of ${message.activeSynced} synced users, more than the ${message.thresholdPercent}% safety threshold.`,
    'Nobody was deactivated. If the change in the directory is intended, release the held deactivations or raise the threshold; if not, fix the directory and sync again.',
  ];
  return { subject, text: `${paragraphs.join('\n\n')}\n\nReview: ${url}\n`, html: layout({ heading: subject, paragraphs, action: { label: 'Review the sync', url } }) };
}
