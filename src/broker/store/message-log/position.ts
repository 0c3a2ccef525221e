/**
 * Where a PUBLISH record lies in the message log: segment id, byte offset of the record in
 * that segment, and the record's total length. An immutable value: the log hands one out
 * once a record is written, the queue index and page reads take it back.
 */
export class Position {
  constructor(
    readonly segment: number,
    readonly offset: number,
    readonly length: number,
  ) {}
}
