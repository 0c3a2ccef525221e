/**
 * Renders every generated file in memory from the spec, so the CLI can write them and the
 * staleness test / `--check` can compare them with what is on disk. Pure and deterministic.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitConstants } from './emit-constants.js';
import { emitMethodCodecs } from './emit-method-codecs.js';
import { emitMethods } from './emit-methods.js';
import { emitProperties } from './emit-properties.js';
import { loadSpec, type SpecModel } from './spec-model.js';

const protocolDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export const SPEC_PATH = join(protocolDir, 'spec', 'amqp0-9-1.json');
export const GENERATED_DIR = join(protocolDir, 'generated');

/** File name (inside src/protocol/generated) → content. */
export function renderAll(spec: SpecModel = loadSpec(SPEC_PATH)): Map<string, string> {
  return new Map([
    ['constants.ts', emitConstants(spec)],
    ['methods.ts', emitMethods(spec)],
    ['method-codecs.ts', emitMethodCodecs(spec)],
    ['properties-codecs.ts', emitProperties(spec)],
  ]);
}
