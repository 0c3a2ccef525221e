/**
 * Schemas shared by the contract-typing examples, declared `as const` so their types can be
 * derived with FromSchema.
 */
export const EmailSchema = {
  type: 'object',
  properties: {
    to: { type: 'string' },
    subject: { type: 'string' },
    cc: { type: 'array', items: { type: 'string' } },
    priority: { enum: ['low', 'normal', 'high'] },
  },
  required: ['to', 'subject'],
  additionalProperties: false,
} as const;

export const StatsRequestSchema = {
  type: 'object',
  properties: { since: { type: 'integer' } },
  required: ['since'],
} as const;

export const StatsSchema = {
  type: 'object',
  properties: {
    sent: { type: 'integer' },
    failed: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
  },
  required: ['sent', 'failed', 'lastError'],
} as const;

export const LogLineSchema = {
  type: 'object',
  properties: { msg: { type: 'string' }, level: { const: 'critical' } },
  required: ['msg'],
} as const;
