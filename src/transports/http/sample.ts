/** One reading of a key's counters, shared by the rate sampler and its history. */

/** A key's counters by name (messages, publish, deliver_get, …). */
export type Counters = Record<string, number>;

export interface Sample {
  t: number;
  values: Counters;
}
