import { IntegrationConnectedMessage } from '../notification-message';
import { layout, RenderedEmail } from './html';

export function renderIntegrationConnectedEmail(message: IntegrationConnectedMessage, adminUiUrl: string): RenderedEmail {
  const pendingUrl = `${adminUiUrl}/companies/${encodeURIComponent(message.companyId)}/users/pending`;
  const subject = 'Microsoft Entra ID is connected';
  const paragraphs = [
    `Microsoft Entra ID (tenant ${message.tenantId}) is now connected to your Symbol company ${message.companyId}.`,
    'The first import has started. Users found in the directory will appear in "Pending for approval"; nobody is added to training, phishing simulations or billing until you approve them.',
    'You will get another e-mail when new users are waiting for your review.',
  ];
  return {
    subject,
    text: `${paragraphs.join('\n\n')}\n\nReview pending users: ${pendingUrl}\n`,
    html: layout({ heading: subject, paragraphs, action: { label: 'Review pending users', url: pendingUrl } }),
  };
}
