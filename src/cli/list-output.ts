/**
 * The shape the `<topic> list` commands share: GET one admin path, print its rows as a table unless
 * --json (then oclif prints the returned body as the one JSON document), return the body.
 */
import type { AdminClient } from './admin-client.js';
import { out, table } from './output.js';

/** A table column: the row key, shown under `header` (the key itself when a string). */
export type ListColumn = string | { key: string; header: string };

/** How a list body becomes a table. */
export interface ListTable<B, R extends object> {
  /** The table's rows, from the body. */
  rows: (body: B) => readonly R[];
  /** The columns, in order (a function when they depend on the rows). */
  columns: readonly ListColumn[] | ((rows: readonly R[]) => readonly ListColumn[]);
  /** What to print when there are no rows. */
  empty: string;
}

/** Fetches `path` through `client`; unless `json`, prints it as `view` says. Resolves with the body. */
export async function fetchList<B, R extends object>(client: AdminClient, path: string, json: boolean, view: ListTable<B, R>): Promise<B> {
  const body = await client.get<B>(path);
  if (!json) {
    const rows = view.rows(body);
    const columns = typeof view.columns === 'function' ? view.columns(rows) : view.columns;
    out(table(rows, columns.map((c) => (typeof c === 'string' ? { key: c, header: c } : c)), view.empty));
  }
  return body;
}
