import { Badge, Button, makeStyles, tokens } from '@fluentui/react-components';
import { useId, useState } from 'react';
import { FLAG_MEANINGS, flagLabel, type Intent, reasonIntent, reasonLabel, splitReasons } from '../logic/words';

const useStyles = makeStyles({
  flags: { margin: '6px 0 0', paddingLeft: '0', listStyle: 'none', display: 'flex', flexDirection: 'column', gap: '4px' },
  flag: { display: 'flex', gap: '8px', alignItems: 'baseline', fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2 },
  badge: { flexShrink: 0, whiteSpace: 'nowrap' },
  rules: { display: 'flex', gap: '6px', alignItems: 'center', flexWrap: 'wrap', marginTop: '6px' },
  why: { minWidth: 'auto', paddingLeft: '4px', paddingRight: '4px' },
  texts: { margin: '6px 0 0', paddingLeft: '18px', fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2, display: 'flex', flexDirection: 'column', gap: '2px' },
});

const COLOR: Record<Intent, 'success' | 'danger' | 'warning' | 'informative'> = { success: 'success', error: 'danger', warning: 'warning', info: 'informative' };

/**
 * Why a user is where it is. Its flags (what its directory data says) each with the reason in
 * words; then the rules that decided (excluded by a setting, outside the scope, approved by the
 * rule, …) as short labels, their full text one click away ("Why?") or always (`open`).
 */
export function ReasonList(props: { name: string; reasons: ReadonlyArray<{ code: string; text: string }>; flags?: readonly string[]; open?: boolean }) {
  const s = useStyles();
  const [opened, setOpened] = useState(false);
  const textsId = useId();
  const { flags, rules } = splitReasons(props.reasons);
  // Flags the API sent no reason for (older entries) still say what they mean in general.
  const flagTexts = new Map(flags.map((f) => [f.code, f.text]));
  const flagCodes = props.flags ?? flags.map((f) => f.code);
  const open = props.open === true || opened;
  return (
    <>
      {flagCodes.length > 0 ? (
        <ul className={s.flags} aria-label={`Flags of ${props.name}`}>
          {flagCodes.map((flag) => (
            <li key={flag} className={s.flag}>
              <Badge className={s.badge} appearance="tint" color={flag === 'resource_mailbox' || flag === 'role_address' ? 'warning' : 'informative'} shape="rounded" size="small">
                {flagLabel(flag)}
              </Badge>
              <span>{flagTexts.get(flag) ?? FLAG_MEANINGS[flag] ?? ''}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {rules.length > 0 ? (
        <div className={s.rules} role="group" aria-label={`Why ${props.name} is here`}>
          {rules.map((rule) => (
            <Badge key={rule.code} className={s.badge} appearance="tint" color={COLOR[reasonIntent(rule.code)]} shape="rounded" size="small">
              {reasonLabel(rule.code)}
            </Badge>
          ))}
          {props.open === true ? null : (
            <Button className={s.why} size="small" appearance="transparent" aria-expanded={opened} aria-controls={opened ? textsId : undefined} onClick={() => { setOpened((o) => !o); }}>
              {opened ? 'Less' : 'Why?'}
            </Button>
          )}
        </div>
      ) : null}
      {rules.length > 0 && open ? (
        <ul className={s.texts} id={textsId}>
          {rules.map((rule) => (
            <li key={rule.code}>{rule.text}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
