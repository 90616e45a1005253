/** Paging over opaque cursors: the stack of cursors that led to the current page. */
export interface Paging {
  /** cursors[i] is the cursor of page i + 1 (null for the first page). */
  cursors: Array<string | null>;
}

export const FIRST_PAGE: Paging = { cursors: [null] };

export function currentCursor(paging: Paging): string | null {
  return paging.cursors.at(-1) ?? null;
}

export function nextPage(paging: Paging, nextCursor: string | null): Paging {
  return nextCursor === null ? paging : { cursors: [...paging.cursors, nextCursor] };
}

export function previousPage(paging: Paging): Paging {
  return paging.cursors.length <= 1 ? paging : { cursors: paging.cursors.slice(0, -1) };
}

export function pageNumber(paging: Paging): number {
  return paging.cursors.length;
}
