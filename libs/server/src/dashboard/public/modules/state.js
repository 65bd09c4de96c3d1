// @ts-check
// What the page holds between events: the origin rows, the chart's history, the open streams.

export const ROW_HEIGHT = 28;
/** Rows drawn above and below the visible ones, so a scroll does not show blanks before the next frame. */
export const OVERSCAN = 8;
export const MAX_TRANSITIONS = 200;
export const STATE_ORDER = ['backoff', 'draining', 'active', 'connecting', 'available', 'idle', 'closed'];

/** @typedef {Array<string | number | null>} Row */

export const state = {
  /** @type {Record<string, number>} column name → index in a row */
  col: {},
  /** @type {Map<string, Row>} */
  rows: new Map(),
  /** @type {Row[]} rows after filter and sort */
  view: [],
  viewDirty: true,
  renderQueued: false,
  sort: { key: 'origin', dir: 1 },
  scope: 'local',
  /** @type {Array<[number, number, number]>} */
  history: [],
  /** @type {EventSource | null} */
  events: null,
  /** @type {{ origin: string, events: EventSource } | null} */
  inspector: null,
  /** @type {HTMLElement[]} pooled row elements */
  pool: [],
  /** The whole first snapshot has arrived and is not drawn yet (the bench reads the mark set when it is). */
  firstScreenPending: false,
  firstScreenMarked: false,
};
