/**
 * RabbitMQ's list pagination (`?page=&page_size=&name=&use_regex=&sort=&sort_reverse=`):
 * without `page` a list is the plain array; with it, one page in RabbitMQ's envelope
 * { filtered_count, item_count, items, page, page_count, page_size, total_count }. Sorting by
 * name (or vhost) and filtering by name happen before the costly per-item views are built, so
 * a page of a 100k-queue broker builds only its page's views.
 */
import { badRequest } from './http-util.js';

/** RabbitMQ refuses larger pages. */
export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 100;

export interface Named {
  name: string;
  vhost: string;
}

/** Rows of the list in the requested order and page; `view` builds a row's JSON. */
export function paginate<T extends Named>(
  query: URLSearchParams,
  items: T[],
  view: (item: T) => Record<string, unknown>,
): unknown {
  const total = items.length;
  const filtered = filterByName(query, items);
  const sortKey = query.get('sort') ?? '';
  const reverse = query.get('sort_reverse') === 'true';
  const cheap = sortKey === '' || sortKey === 'name' || sortKey === 'vhost';
  const pageParam = query.get('page');
  if (cheap) {
    if (sortKey !== '') sortBy(filtered, (i) => (sortKey === 'vhost' ? i.vhost : i.name), reverse);
    if (pageParam === null) return filtered.map(view);
    const { page, pageSize, slice } = pageOf(query, pageParam, filtered);
    return envelope(slice.map(view), page, pageSize, filtered.length, total);
  }
  const rows = filtered.map(view);
  sortBy(rows, (r) => valueAt(r, sortKey), reverse);
  if (pageParam === null) return rows;
  const { page, pageSize, slice } = pageOf(query, pageParam, rows);
  return envelope(slice, page, pageSize, rows.length, total);
}

function filterByName<T extends Named>(query: URLSearchParams, items: T[]): T[] {
  const name = query.get('name');
  if (name === null || name === '') return [...items];
  if (query.get('use_regex') !== 'true') return items.filter((i) => i.name.includes(name));
  let regex: RegExp;
  try {
    regex = new RegExp(name);
  } catch {
    throw badRequest(`name: invalid regular expression '${name}'`);
  }
  return items.filter((i) => regex.test(i.name));
}

function pageOf<T>(query: URLSearchParams, pageParam: string, rows: T[]) {
  const page = Number(pageParam);
  const sizeParam = query.get('page_size');
  const pageSize = sizeParam === null ? DEFAULT_PAGE_SIZE : Number(sizeParam);
  if (!Number.isSafeInteger(page) || page < 1) throw badRequest(`page: not a positive integer: ${pageParam}`);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw badRequest(`page_size: must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const pageCount = Math.ceil(rows.length / pageSize);
  if (page > Math.max(pageCount, 1)) {
    throw badRequest(`page: ${page} is greater than the page count ${pageCount}`);
  }
  return { page, pageSize, slice: rows.slice((page - 1) * pageSize, page * pageSize) };
}

function envelope(items: unknown[], page: number, pageSize: number, filtered: number, total: number) {
  return {
    filtered_count: filtered,
    item_count: items.length,
    items,
    page,
    page_count: Math.ceil(filtered / pageSize),
    page_size: pageSize,
    total_count: total,
  };
}

/** A dotted path into a row (`message_stats.publish_details.rate`). */
function valueAt(row: Record<string, unknown>, path: string): unknown {
  let v: unknown = row;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function sortBy<T>(rows: T[], key: (row: T) => unknown, reverse: boolean): void {
  const sign = reverse ? -1 : 1;
  rows.sort((a, b) => sign * compare(key(a), key(b)));
}

/** Numbers numerically, strings as text; missing values first, as RabbitMQ sorts undefined low. */
function compare(x: unknown, y: unknown): number {
  if (x === y) return 0;
  if (x === undefined || x === null) return -1;
  if (y === undefined || y === null) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  const sx = typeof x === 'string' ? x : JSON.stringify(x);
  const sy = typeof y === 'string' ? y : JSON.stringify(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}
