import { Badge, Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Spinner, Text, tokens } from '@fluentui/react-components';
import { createContext, type ReactNode, useCallback, useContext, useState } from 'react';
import type { ApiError } from '../api/client';
import { nextPage, pageNumber, type Paging, previousPage } from '../logic/paging';
import { formatDateTime } from '../logic/time';
import { type Intent, RUN_STATUS, STATUS_LABELS } from '../logic/words';
import type { Loaded } from './use-load';

export const useUiStyles = makeStyles({
  header: { display: 'flex', alignItems: 'flex-end', justifyContent: 'space-between', gap: '16px', marginBottom: '20px', flexWrap: 'wrap' },
  headerText: { display: 'flex', flexDirection: 'column', gap: '4px' },
  title: { fontSize: tokens.fontSizeHero700, lineHeight: tokens.lineHeightHero700, fontWeight: tokens.fontWeightSemibold, margin: 0 },
  subtitle: { color: tokens.colorNeutralForeground3 },
  card: {
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusLarge,
    boxShadow: tokens.shadow4,
    padding: '20px 24px',
    marginBottom: '16px',
  },
  cardTitle: { fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold, margin: '0 0 12px 0' },
  tiles: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))', gap: '12px' },
  tile: { backgroundColor: tokens.colorNeutralBackground2, borderRadius: tokens.borderRadiusMedium, padding: '12px 14px', display: 'flex', flexDirection: 'column', gap: '2px' },
  tileValue: { fontSize: tokens.fontSizeHero700, fontWeight: tokens.fontWeightSemibold, lineHeight: tokens.lineHeightHero700 },
  tileLabel: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  pager: { display: 'flex', alignItems: 'center', gap: '8px', justifyContent: 'flex-end', marginTop: '12px' },
  muted: { color: tokens.colorNeutralForeground3 },
  small: { fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground3 },
  row: { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap' },
  stack: { display: 'flex', flexDirection: 'column', gap: '12px' },
  bar: { marginBottom: '16px' },
  empty: { padding: '32px', textAlign: 'center', color: tokens.colorNeutralForeground3 },
});

export function PageHeader(props: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  const s = useUiStyles();
  return (
    <div className={s.header}>
      <div className={s.headerText}>
        <h1 className={s.title}>{props.title}</h1>
        {props.subtitle ? <Text className={s.subtitle}>{props.subtitle}</Text> : null}
      </div>
      {props.actions ? <div className={s.row}>{props.actions}</div> : null}
    </div>
  );
}

export function Card(props: { title?: string; children: ReactNode; 'aria-label'?: string }) {
  const s = useUiStyles();
  return (
    <section className={s.card} aria-label={props['aria-label'] ?? props.title}>
      {props.title ? <h2 className={s.cardTitle}>{props.title}</h2> : null}
      {props.children}
    </section>
  );
}

export function Tile(props: { label: string; value: ReactNode; hint?: string }) {
  const s = useUiStyles();
  return (
    <div className={s.tile} title={props.hint}>
      <span className={s.tileValue}>{props.value}</span>
      <span className={s.tileLabel}>{props.label}</span>
    </div>
  );
}

const BADGE_COLOR: Record<Intent, 'success' | 'danger' | 'warning' | 'informative'> = { success: 'success', error: 'danger', warning: 'warning', info: 'informative' };

export function IntentBadge(props: { intent: Intent; children: ReactNode }) {
  return (
    <Badge appearance="tint" color={BADGE_COLOR[props.intent]} shape="rounded">
      {props.children}
    </Badge>
  );
}

export function ConnectionBadge(props: { status: string }) {
  const known = STATUS_LABELS[props.status] ?? { label: props.status, intent: 'info' as const };
  return <IntentBadge intent={known.intent}>{known.label}</IntentBadge>;
}

export function RunStatusBadge(props: { status: string }) {
  const known = RUN_STATUS[props.status] ?? { label: props.status, intent: 'info' as const };
  return <IntentBadge intent={known.intent}>{known.label}</IntentBadge>;
}

export function ErrorBar(props: { error: ApiError | null; title?: string }) {
  const s = useUiStyles();
  if (!props.error) return null;
  return (
    <MessageBar intent="error" className={s.bar}>
      <MessageBarBody>
        <MessageBarTitle>{props.title ?? 'That did not work'}</MessageBarTitle>
        {props.error.message}
      </MessageBarBody>
    </MessageBar>
  );
}

export function Note(props: { intent: Intent; title?: string; children: ReactNode; actions?: ReactNode }) {
  const s = useUiStyles();
  return (
    <MessageBar intent={props.intent} className={s.bar} layout="multiline">
      <MessageBarBody>
        {props.title ? <MessageBarTitle>{props.title}</MessageBarTitle> : null}
        {props.children}
      </MessageBarBody>
      {props.actions ? <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>{props.actions}</div> : null}
    </MessageBar>
  );
}

export function Loading(props: { label?: string }) {
  return <Spinner size="small" label={props.label ?? 'Loading…'} />;
}

export function Empty(props: { children: ReactNode }) {
  const s = useUiStyles();
  return <div className={s.empty}>{props.children}</div>;
}

/** Previous / next over opaque cursors (the stack of cursors that led to this page). */
export function Pager(props: { label: string; paging: Paging; nextCursor: string | null; onChange: (paging: Paging) => void }) {
  const s = useUiStyles();
  const page = pageNumber(props.paging);
  return (
    <nav className={s.pager} aria-label={`${props.label} pages`}>
      <Text className={s.small}>Page {page}</Text>
      <Button size="small" disabled={page <= 1} onClick={() => { props.onChange(previousPage(props.paging)); }}>
        Previous
      </Button>
      <Button size="small" disabled={props.nextCursor === null} onClick={() => { props.onChange(nextPage(props.paging, props.nextCursor)); }}>
        Next
      </Button>
    </nav>
  );
}

/**
 * One page of a list as it loads: why it failed, a spinner, `empty` when it holds nobody, else the
 * rows (`children`), and previous / next.
 */
export function LoadedPage<T>(props: { list: Loaded<{ items: T[]; nextCursor: string | null }>; label: string; errorTitle: string; empty: ReactNode; paging: Paging; onPaging: (paging: Paging) => void; children: (items: T[]) => ReactNode }) {
  const data = props.list.data;
  return (
    <>
      <ErrorBar error={props.list.error} title={props.errorTitle} />
      {data ? data.items.length === 0 ? <Empty>{props.empty}</Empty> : props.children(data.items) : props.list.loading ? <Loading /> : null}
      {data ? <Pager label={props.label} paging={props.paging} nextCursor={data.nextCursor} onChange={props.onPaging} /> : null}
    </>
  );
}

interface ConfirmQuestion {
  title: string;
  body: ReactNode;
  confirm: string;
}

const ConfirmContext = createContext<((question: ConfirmQuestion) => Promise<boolean>) | null>(null);

/**
 * Hosts the pages' confirmation dialog, mounted with the app. A confirmed action often changes the
 * page at once (the button disappears: nothing held any more, disconnected, merge undone); a modal
 * dialog taken away with its button while it closes leaves the rest of the page hidden from
 * assistive technology (aria-hidden). Here the dialog outlives whatever asked.
 */
export function ConfirmHost(props: { children: ReactNode }) {
  const [question, setQuestion] = useState<(ConfirmQuestion & { answer: (ok: boolean) => void }) | null>(null);
  const [open, setOpen] = useState(false);
  const ask = useCallback(
    (q: ConfirmQuestion) =>
      new Promise<boolean>((resolve) => {
        setQuestion({ ...q, answer: resolve });
        setOpen(true);
      }),
    [],
  );
  const answer = (ok: boolean) => {
    question?.answer(ok);
    setOpen(false);
  };
  // The last question stays on the surface while it closes.
  const shown = question ?? { title: '', body: null, confirm: '' };
  return (
    <ConfirmContext.Provider value={ask}>
      {props.children}
      <Dialog open={open} onOpenChange={(_e, d) => { if (!d.open) answer(false); }}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{shown.title}</DialogTitle>
            <DialogContent>{shown.body}</DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => { answer(false); }}>
                Cancel
              </Button>
              <Button appearance="primary" onClick={() => { answer(true); }}>
                {shown.confirm}
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </ConfirmContext.Provider>
  );
}

/** A button that asks first: a dialog with the consequences, Cancel, and the confirming action (inside a ConfirmHost). */
export function ConfirmButton(props: { label: string; title: string; body: ReactNode; confirm: string; onConfirm: () => void; disabled?: boolean; appearance?: 'primary' | 'secondary' }) {
  const ask = useContext(ConfirmContext);
  if (!ask) throw new Error('ConfirmButton needs a ConfirmHost above it');
  const onClick = () => {
    void ask({ title: props.title, body: props.body, confirm: props.confirm }).then((ok) => {
      if (ok) props.onConfirm();
    });
  };
  return (
    <Button appearance={props.appearance ?? 'secondary'} disabled={props.disabled} onClick={onClick}>
      {props.label}
    </Button>
  );
}

export function JobText(props: { jobTitle: string | null; department: string | null }) {
  const s = useUiStyles();
  return (
    <>
      <div>{props.jobTitle ?? '—'}</div>
      <div className={s.small}>{props.department ?? ''}</div>
    </>
  );
}

/** A date in a table cell, small and muted. */
export function DateText(props: { iso: string | null }) {
  const s = useUiStyles();
  return (
    <Text className={s.small} style={{ whiteSpace: 'nowrap' }}>
      {formatDateTime(props.iso)}
    </Text>
  );
}
