import { Tag, TagPicker, TagPickerControl, TagPickerGroup, TagPickerInput, TagPickerList, TagPickerOption, Text } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { companyPath } from '../api/client';
import { type Group, GroupsSchema } from '../api/schemas';
import { groupName, rememberGroupNames } from '../logic/group-names';
import { groupSearchErrorText } from '../logic/words';
import { useSession } from './session-context';
import { useGroupNames } from './use-group-names';
import { asApiError } from './use-load';

/** Waits this long after the last key before asking the directory (one search per pause, not per key). */
const TYPING_PAUSE_MS = 250;
/** The API's limit on a scope's groups. */
export const MAX_SCOPE_GROUPS = 20;

/**
 * Picks directory groups for the sync scope: type the start of a group's name, pick from what the
 * company's tenant has (`GET …/entra/groups?search=`); chosen groups are chips with their names,
 * removed by clicking them (or Backspace). Names are remembered for the tab (logic/group-names).
 */
export function GroupPicker(props: { companyId: string; groups: readonly string[]; onChange: (groups: string[]) => void; enabled: boolean; labelId: string }) {
  const { api } = useSession();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Group[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  const { enabled, companyId } = props;
  useGroupNames(companyId, props.groups, enabled);

  useEffect(() => {
    if (!enabled) return;
    let stale = false;
    const timer = window.setTimeout(() => {
      setSearching(true);
      api.get(companyPath(companyId, `entra/groups?search=${encodeURIComponent(query.trim())}`), GroupsSchema).then(
        ({ items }) => {
          if (stale) return;
          rememberGroupNames(window.sessionStorage, items);
          setFound(items);
          setProblem(null);
          setSearching(false);
        },
        (e: unknown) => {
          if (stale) return;
          const error = asApiError(e);
          setFound([]);
          setProblem(groupSearchErrorText(error.code, error.message));
          setSearching(false);
        },
      );
    }, TYPING_PAUSE_MS);
    return () => {
      stale = true;
      window.clearTimeout(timer);
    };
  }, [api, companyId, query, enabled]);

  const full = props.groups.length >= MAX_SCOPE_GROUPS;
  const options = found.filter((g) => !props.groups.includes(g.id));
  return (
    <>
      <TagPicker
        disabled={!enabled}
        selectedOptions={[...props.groups]}
        onOptionSelect={(_e, data) => {
          if (data.selectedOptions.length > MAX_SCOPE_GROUPS) return;
          props.onChange(data.selectedOptions);
          setQuery('');
        }}
      >
        <TagPickerControl aria-labelledby={props.labelId} expandIcon={{ 'aria-label': 'Show groups' }}>
          <TagPickerGroup aria-label="Chosen groups">
            {props.groups.map((id) => (
              <Tag key={id} value={id} shape="rounded" dismissIcon={{ 'aria-label': 'remove' }}>
                {groupName(window.sessionStorage, id)}
              </Tag>
            ))}
          </TagPickerGroup>
          <TagPickerInput aria-labelledby={props.labelId} placeholder={full ? `At most ${String(MAX_SCOPE_GROUPS)} groups` : 'Type the start of a group’s name'} value={query} onChange={(e) => { setQuery(e.target.value); }} />
        </TagPickerControl>
        <TagPickerList>
          {options.length > 0
            ? options.map((g) => (
                <TagPickerOption key={g.id} value={g.id} text={g.displayName} secondaryContent={g.mail ?? 'no e-mail address'}>
                  {g.displayName}
                </TagPickerOption>
              ))
            : searching
              ? 'Searching…'
              : problem !== null
                ? 'No groups to show.'
                : query.trim()
                  ? `No group starts with “${query.trim()}”.`
                  : 'No more groups.'}
        </TagPickerList>
      </TagPicker>
      {problem ? (
        <Text role="alert" size={200}>
          {problem}
        </Text>
      ) : null}
    </>
  );
}
