/**
 * Emits generated/constants.ts: protocol version, port, frame constants, class ids and the
 * reply codes with their soft/hard classification, all taken from the spec's constants.
 * `ReplyCode` and `isHardError` keep the shape errors.ts depends on.
 */
import { HEADER, SOURCE_NOTE, file, indent } from './code.js';
import type { SpecModel } from './spec-model.js';

export function emitConstants(spec: SpecModel): string {
  const isFrame = (k: SpecModel['constants'][number]): boolean =>
    k.errorClass === undefined && k.name.startsWith('FRAME_');
  const frames = spec.constants.filter(isFrame);
  const replies = spec.constants.filter((k) => !isFrame(k));
  const kind = (c: (typeof replies)[number]): string =>
    c.errorClass === 'hard-error' ? 'hard' : c.errorClass === 'soft-error' ? 'soft' : 'success';
  const hard = replies.filter((c) => c.errorClass === 'hard-error');
  const soft = replies.filter((c) => c.errorClass === 'soft-error');
  return file([
    [HEADER, SOURCE_NOTE, '// Protocol constants: version, frames, class ids and reply codes.'],
    [
      '/** AMQP 0-9-1 as announced in the protocol header. */',
      `export const PROTOCOL_MAJOR = ${spec.major};`,
      `export const PROTOCOL_MINOR = ${spec.minor};`,
      `export const PROTOCOL_REVISION = ${spec.revision};`,
      '/** The IANA-assigned AMQP port. */',
      `export const DEFAULT_PORT = ${spec.port};`,
    ],
    [
      '/** Frame types, the smallest frame-max a peer must accept, and the frame-end octet. */',
      ...frames.map((k) => `export const ${k.name} = ${k.value};`),
      '/** Bytes a frame adds around its payload: type, channel, size (7) and frame-end (1). */',
      'export const FRAME_OVERHEAD = 8;',
    ],
    [
      '/** Class ids by spec name (upper-cased). */',
      'export const ClassId = {',
      ...indent(spec.classes.map((c) => `${c.name.toUpperCase()}: ${c.id},`)),
      '} as const;',
      'export type ClassId = (typeof ClassId)[keyof typeof ClassId];',
    ],
    [
      '/** Reply codes for connection.close, channel.close and basic.return. */',
      'export const ReplyCode = {',
      ...indent(replies.map((c) => `${c.name}: ${c.value},`)),
      '} as const;',
      'export type ReplyCode = (typeof ReplyCode)[keyof typeof ReplyCode];',
      'export type ReplyCodeName = keyof typeof ReplyCode;',
    ],
    [
      "/** 'soft' errors close a channel, 'hard' errors the connection. */",
      "export type ReplyCodeKind = 'success' | 'soft' | 'hard';",
      '',
      'export interface ReplyCodeInfo {',
      '  readonly code: ReplyCode;',
      '  readonly name: ReplyCodeName;',
      '  readonly kind: ReplyCodeKind;',
      '}',
      '',
      '/** Every reply code with its name and classification, in spec order. */',
      'export const REPLY_CODES: readonly ReplyCodeInfo[] = [',
      ...indent(replies.map((c) => `{ code: ${c.value}, name: '${c.name}', kind: '${kind(c)}' },`)),
      '];',
    ],
    [
      '/** True when the reply code is a connection (hard) error; false for channel (soft) errors. */',
      'export function isHardError(code: number): boolean {',
      ...indent(switchTrue(hard.map((c) => c.value))),
      '}',
    ],
    [
      '/** True when the reply code is a channel (soft) error. */',
      'export function isSoftError(code: number): boolean {',
      ...indent(switchTrue(soft.map((c) => c.value))),
      '}',
    ],
    [
      '/** The spec name of a reply code (`NOT_FOUND`), or undefined for an unknown code. */',
      'export function replyCodeName(code: number): ReplyCodeName | undefined {',
      '  return REPLY_CODES.find((c) => c.code === code)?.name;',
      '}',
    ],
  ]);
}

function switchTrue(codes: readonly number[]): string[] {
  return [
    'switch (code) {',
    ...indent(codes.map((c) => `case ${c}:`)),
    '    return true;',
    '  default:',
    '    return false;',
    '}',
  ];
}
