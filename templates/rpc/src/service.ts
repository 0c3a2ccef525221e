// The {{name}} RPC service: one @Rpc procedure. Warren validates the request against
// QuoteRequestSchema (a bad request fails on the caller with a RemoteError whose remoteCode is
// ERR_VALIDATION), runs the handler and checks the reply against QuoteSchema before sending it.
import { Rpc, Service } from 'warren';

export interface QuoteRequest {
  item: string;
  quantity: number;
}

export interface Quote {
  item: string;
  quantity: number;
  total: number;
}

export const QuoteRequestSchema = {
  type: 'object',
  properties: { item: { type: 'string', minLength: 1 }, quantity: { type: 'integer', minimum: 1 } },
  required: ['item', 'quantity'],
  additionalProperties: false,
} as const;

export const QuoteSchema = {
  type: 'object',
  properties: { item: { type: 'string' }, quantity: { type: 'integer' }, total: { type: 'number' } },
  required: ['item', 'quantity', 'total'],
} as const;

const PRICES: Readonly<Record<string, number>> = { apple: 0.5, pear: 0.75 };

@Service('{{name}}')
export class {{Name}}Service {
  @Rpc('{{queue}}.quote', { schema: QuoteRequestSchema, responseSchema: QuoteSchema, timeout: 5_000 })
  async quote(req: QuoteRequest): Promise<Quote> {
    const price = PRICES[req.item];
    if (price === undefined) throw new Error(`unknown item '${req.item}'`);
    return { item: req.item, quantity: req.quantity, total: price * req.quantity };
  }
}
