import { useLocation } from '../components/router';
import { Note, PageHeader } from '../components/ui';
import { consentResultMessage } from '../logic/words';

/** Where Microsoft's pages send the browser back when the company is unknown (a broken or forged link). */
export function ConsentResultPage() {
  const { search } = useLocation();
  const query = new URLSearchParams(search);
  const message = consentResultMessage(query.get('status'), query.get('code'));
  return (
    <>
      <PageHeader title="Entra ID" />
      {message ? (
        <Note intent={message.intent} title={message.title}>
          {message.text}
        </Note>
      ) : (
        <Note intent="info">Open a company to connect it to Entra ID.</Note>
      )}
    </>
  );
}
