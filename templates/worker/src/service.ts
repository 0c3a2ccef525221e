// The {{name}} worker: one @Task handler. Warren validates each job against JobSchema before
// the handler runs, acks it when the handler resolves, and retries it (with exponential
// backoff) when it throws; after the last retry the job goes to the `{{queue}}.process.dead`
// queue.
import { Service, Task, UnrecoverableError, type TaskContext } from 'warren';

export interface Job {
  id: string;
  text: string;
}

export const JobSchema = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1 }, text: { type: 'string' } },
  required: ['id', 'text'],
  additionalProperties: false,
} as const;

export interface Result {
  id: string;
  words: number;
  attempt: number;
}

@Service('{{name}}')
export class {{Name}}Worker {
  /** What this instance processed, newest last (the tests read it). */
  readonly results: Result[] = [];

  @Task('{{queue}}.process', {
    schema: JobSchema,
    retries: 3,
    backoff: { type: 'exponential', delay: 200 },
  })
  async process(job: Job, ctx: TaskContext): Promise<void> {
    if (job.text === '') throw new UnrecoverableError(`job ${job.id} has no text`); // no retry
    const words = job.text.split(/\s+/).filter((w) => w !== '').length;
    this.results.push({ id: job.id, words, attempt: ctx.attempt });
    console.log(`processed job ${job.id}: ${words} words (attempt ${ctx.attempt})`);
  }
}
