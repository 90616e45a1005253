// Rotating the consent state-signing key without breaking consent flows in progress. The app
// signs every new `state` with `state-signing-key` and accepts a state signed with
// `state-signing-key-previous` while that secret exists. So:
//   1. begin:  previous ← current; current ← a new random key. States signed before (or by an
//      instance whose 5-minute secret cache still holds the old key) verify with `previous`.
//   2. finish: after one state lifetime plus that cache (CONSENT_STATE_TTL_SECONDS + 300 s),
//      delete `previous`: every state signed with it has expired by then.
// Both steps are idempotent, and `begin` refuses to start a second rotation before the first is
// finished (that would drop the key in-flight states need).
import { STATE_SIGNING_KEY, STATE_SIGNING_KEY_PREVIOUS, type VaultSecrets } from './vault-secrets';

/** How long the Function App caches a secret (src/adapters/secrets/key-vault-secret-store.ts). */
export const SECRET_CACHE_SECONDS = 300;
const ROTATED_AT_TAG = 'rotated-at';

export type RotationResult = { ok: true; message: string } | { ok: false; message: string };

export async function beginStateKeyRotation(vault: VaultSecrets, options: { now: Date; newKey: () => string; waitSeconds: number }): Promise<RotationResult> {
  const current = await vault.get(STATE_SIGNING_KEY);
  if (current === undefined) return { ok: false, message: `${STATE_SIGNING_KEY} is not in the vault: \`azd provision\` creates it.` };
  const previous = await vault.get(STATE_SIGNING_KEY_PREVIOUS);
  if (previous !== undefined) {
    return { ok: false, message: `A rotation is in progress (${STATE_SIGNING_KEY_PREVIOUS} exists, rotated at ${previous.tags[ROTATED_AT_TAG] ?? 'an unknown time'}): finish it first.` };
  }
  await vault.set(STATE_SIGNING_KEY_PREVIOUS, current.value, { contentType: 'text/plain', tags: { [ROTATED_AT_TAG]: options.now.toISOString() } });
  await vault.set(STATE_SIGNING_KEY, options.newKey(), { contentType: 'text/plain', tags: { 'managed-by': 'rotate-state-signing-key' } });
  const finishAt = new Date(options.now.getTime() + options.waitSeconds * 1000);
  return { ok: true, message: `Rotated ${STATE_SIGNING_KEY}; the old key stays valid as ${STATE_SIGNING_KEY_PREVIOUS}. Finish the rotation at or after ${finishAt.toISOString()}.` };
}

export async function finishStateKeyRotation(vault: VaultSecrets, options: { now: Date; waitSeconds: number; force: boolean }): Promise<RotationResult> {
  const previous = await vault.get(STATE_SIGNING_KEY_PREVIOUS);
  if (previous === undefined) return { ok: true, message: `No rotation in progress (${STATE_SIGNING_KEY_PREVIOUS} does not exist).` };
  const rotatedAt = Date.parse(previous.tags[ROTATED_AT_TAG] ?? '');
  const finishAt = Number.isNaN(rotatedAt) ? undefined : rotatedAt + options.waitSeconds * 1000;
  if (!options.force && (finishAt === undefined || options.now.getTime() < finishAt)) {
    const when = finishAt === undefined ? `(its ${ROTATED_AT_TAG} tag is missing)` : `before ${new Date(finishAt).toISOString()}`;
    return { ok: false, message: `Too early to drop ${STATE_SIGNING_KEY_PREVIOUS} ${when}: consent flows started before the rotation may still need it. Wait, or pass --force.` };
  }
  await vault.delete(STATE_SIGNING_KEY_PREVIOUS);
  return { ok: true, message: `Deleted ${STATE_SIGNING_KEY_PREVIOUS}: the rotation is finished.` };
}
