/**
 * Ids every store can hold. Cosmos DB does not allow `/`, `\`, `?` or `#` in an item id, nor more
 * than 255 characters; a store refuses to write such an id, and reading one finds nothing (it
 * cannot exist). Every implementation of a store port applies this same rule.
 */
const INVALID_ID = /[/\\?#]/;

export function isStorableId(id: string): boolean {
  return id.length > 0 && id.length <= 255 && !INVALID_ID.test(id);
}
