import { classify } from '../../../src/domain/directory/classification';
import { EMPTY_ATTRIBUTES } from '../../../src/domain/directory/directory-user';
import { mergeAttributes, parseDeltaItem } from '../../../src/domain/directory/delta-item';
import { DEFAULT_SETTINGS } from '../../../src/domain/integration-settings';
import { generateDirectory } from '../../../src/local/entra-simulator/directory-seed';
import { GRAPH_USER_PROPERTIES } from '../../../src/local/entra-simulator/user-schema';
import { SimulatedUser } from '../../../src/local/entra-simulator/types';

/**
 * The simulated directory as the sync engine classifies it: what a Graph user of each seeded kind
 * looks like decides its flags. Shared mailboxes and rooms are told apart from people who left.
 */
function flagsOf(user: SimulatedUser) {
  const graph = Object.fromEntries(GRAPH_USER_PROPERTIES.map((p) => [p, user[p]]));
  const item = parseDeltaItem({ ...graph, ...(user.managerId ? { 'manager@delta': [{ id: user.managerId }] } : {}) });
  if (item.kind !== 'user') throw new Error(`not a user: ${item.kind}`);
  return classify(mergeAttributes(EMPTY_ATTRIBUTES, item.changes), DEFAULT_SETTINGS);
}

describe('seeded directory, classified', () => {
  const users = generateDirectory({ name: 'Contoso', domain: 'contoso.example', userCount: 2000, seed: 7 });
  const byKind = (kind: SimulatedUser['kind']) => users.filter((u) => u.kind === kind);

  it('flags every shared mailbox and room as resource_mailbox, and nobody else', () => {
    expect(byKind('sharedMailbox').length).toBeGreaterThan(10);
    expect(byKind('room').length).toBeGreaterThan(10);
    for (const user of [...byKind('sharedMailbox'), ...byKind('room')]) expect(flagsOf(user)).toContain('resource_mailbox');
    for (const kind of ['person', 'formerEmployee', 'guest', 'roleAccount', 'serviceAccount'] as const) {
      for (const user of byKind(kind)) expect(flagsOf(user)).not.toContain('resource_mailbox');
    }
  });

  it('keeps the other flags: people who left are disabled, guests are guests, service accounts have no mailbox', () => {
    for (const user of byKind('formerEmployee')) expect(flagsOf(user)).toContain('disabled');
    for (const user of byKind('guest')) expect(flagsOf(user)).toContain('guest');
    for (const user of byKind('serviceAccount')) expect(flagsOf(user)).toContain('no_mailbox');
  });
});
