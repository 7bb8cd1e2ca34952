/**
 * Where tests and benchmarks find the read-only material in ../shared (never copied into the repo).
 * Override with FACEVAULT_SHARED_DIR.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const sharedDir = (): string =>
  resolve(process.env.FACEVAULT_SHARED_DIR ?? join(projectRoot, '..', 'shared'));

export const sharedPath = (...parts: string[]): string => join(sharedDir(), ...parts);

export const lfwDir = (): string => process.env.FACEVAULT_LFW_DIR ?? sharedPath('data', 'lfw-dev');
export const faceClipPath = (): string =>
  process.env.FACEVAULT_FACE_CLIP ?? sharedPath('data', 'video', 'face-clip.mp4');
export const referenceModelsDir = (): string =>
  process.env.FACEVAULT_REFERENCE_MODELS ?? sharedPath('models', 'reference');

/** True when the shared data set is present; tests that need it fail loudly in CI rather than skip. */
export const hasSharedData = (): boolean => existsSync(sharedDir());
