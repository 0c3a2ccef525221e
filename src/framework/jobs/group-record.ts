/**
 * What Warren records about a group of jobs (`client.group`): its members in order, how each
 * one ended once it did, how many are still to end, and the callback to enqueue when all have
 * (a chord). One shape for every store. The counters change only in the store's atomic
 * `settleMember` step, so of the workers finishing a group's members exactly one sees the
 * last one settle.
 */
import type { RecordedError } from './job-record.js';

/**
 * What a member that ends failed, dead or cancelled does to the group's callback. 'fail'
 * (the default; Celery's chord error, BullMQ's failParentOnFailure): the callback never runs
 * and its job is recorded failed with GroupMemberFailedError as soon as the first member
 * fails. 'settle' (BullMQ's ignoreDependencyOnFailure): the callback runs once every member
 * ended, with each member's outcome instead of its bare result.
 */
export type MemberFailurePolicy = 'fail' | 'settle';

export const MEMBER_FAILURE_POLICIES: readonly MemberFailurePolicy[] = ['fail', 'settle'];

/** How one member ended (the entries of a 'settle' callback's payload, like Promise.allSettled). */
export type MemberOutcome =
  | { state: 'completed'; result?: unknown }
  | { state: 'failed' | 'dead' | 'cancelled'; error?: RecordedError };

/** The chord's callback: its task and precomputed job id (`<groupId>.callback`). */
export interface GroupCallback {
  task: string;
  id: string;
}

export interface GroupRecord {
  id: string;
  /** The members' job ids, in order (`<groupId>.<i>`). */
  members: string[];
  /** Per member, in order: how it ended, or null while it has not. */
  outcomes: (MemberOutcome | null)[];
  /** Members not ended yet. */
  remaining: number;
  /** Members that ended failed, dead or cancelled. */
  failures: number;
  callback?: GroupCallback;
  onMemberFailure: MemberFailurePolicy;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** What `settleMember` did. */
export interface MemberSettled {
  group: GroupRecord;
  /** False when the member had been settled already: nothing changed. */
  applied: boolean;
  /** True for exactly one call per group: the one that settled its last member. */
  last: boolean;
  /** True for exactly one call per group that has failures: the one that recorded the first. */
  firstFailure: boolean;
}

/**
 * Where a group is. active: members still running or waiting; completed: every member
 * completed; cancelled: every member that did not complete was cancelled; failed: otherwise.
 */
export type GroupState = 'active' | 'completed' | 'failed' | 'cancelled';

export function groupState(group: GroupRecord): GroupState {
  if (group.remaining > 0) return 'active';
  if (group.failures === 0) return 'completed';
  const unfinished = group.outcomes.filter((o) => o !== null && o.state !== 'completed');
  return unfinished.every((o) => o?.state === 'cancelled') ? 'cancelled' : 'failed';
}

/** A new group of `members`, none of them ended. */
export function newGroup(
  id: string,
  members: readonly string[],
  onMemberFailure: MemberFailurePolicy,
  callback: GroupCallback | undefined,
  now: number,
): GroupRecord {
  return {
    id,
    members: [...members],
    outcomes: members.map(() => null),
    remaining: members.length,
    failures: 0,
    ...(callback !== undefined ? { callback } : {}),
    onMemberFailure,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Applies one member's outcome to `group` in place (the memory and file stores' settle step):
 * false when that member had ended already.
 */
export function applyOutcome(
  group: GroupRecord,
  index: number,
  outcome: MemberOutcome,
  now: number,
): boolean {
  checkIndex(group, index);
  if (group.outcomes[index] !== null) return false;
  group.outcomes[index] = outcome;
  group.remaining--;
  if (outcome.state !== 'completed') group.failures++;
  group.updatedAt = now;
  return true;
}

/** What settling `outcome` on `group` meant, given whether it was applied. */
export function settledResult(group: GroupRecord, outcome: MemberOutcome, applied: boolean): MemberSettled {
  return {
    group,
    applied,
    last: applied && group.remaining === 0,
    firstFailure: applied && outcome.state !== 'completed' && group.failures === 1,
  };
}

export function checkIndex(group: GroupRecord, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= group.members.length)
    throw new RangeError(`group ${group.id} has no member ${index} (it has ${group.members.length})`);
}

/** A copy the caller may keep (outcomes are replaced, never changed in place). */
export function copyGroup(group: GroupRecord): GroupRecord {
  return { ...group, members: [...group.members], outcomes: [...group.outcomes] };
}
