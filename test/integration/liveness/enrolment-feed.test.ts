/**
 * Enrolment refuses a feed that is not one live continuous scene of one person (issue 12), through the real
 * face flow on the shipped default models (pad-harness.ts: real pipeline, vault, sealed template):
 * - the owner's face clip (15 fps, fresh sensor noise per frame) still enrols;
 * - a slideshow of one person's photos (LFW, each held 0.2 s: what an attacker finds online) is refused as
 *   not live ('scene-cut' → ENROLMENT_FEED_NOT_LIVE) and nothing is stored;
 * - the clip with another person's face (Laura Bush's, which passes the quality gate: a view could come from it) pasted over the owner's from 2 s in (a swap between enrolment views)
 *   is refused as another person ('identity-changed' → ENROLMENT_PERSON_CHANGED), so a template never mixes
 *   two people; nothing is stored.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPadHarness, type PadHarness } from '../../support/pad-harness.ts';
import { lfwFrame } from '../../support/face-frames.ts';
import { clipFrames, ENROL_RANGE, noisy, rng, stamp, swapFace } from '../../support/pad-sequences.ts';
import { hasSharedData, lfwDir } from '../../support/shared-data.ts';

describe.skipIf(!hasSharedData())(
  'enrolment feed checks through the real face flow',
  { timeout: 600_000 },
  () => {
    let h: PadHarness;
    beforeAll(async () => {
      h = await createPadHarness('balanced');
    });
    afterAll(() => h?.close());

    it('a slideshow of one person’s photos is refused as not live, and nothing is enrolled', async () => {
      const dir = join(lfwDir(), 'images');
      const person = readdirSync(dir).find((p) => readdirSync(join(dir, p)).length >= 12)!;
      const r = rng(5);
      const slides: Uint8Array[] = [];
      for (let i = 1; i <= 12; i++) {
        const { data } = await lfwFrame(person, i);
        for (let k = 0; k < 3; k++) slides.push(noisy(data, r, 2));
      }
      const out = await h.enrolWith(stamp(slides, rng(6), 1000));
      expect(out.view).toEqual({ kind: 'enrol-refused', code: 'ENROLMENT_FEED_NOT_LIVE' });
      expect(out.refusal).toBe('scene-cut');
      expect((await h.flow.status()).enrolled).toBe(false);
    });

    it('another person swapped in between the views is refused, and nothing is enrolled', async () => {
      const segment = clipFrames().slice(ENROL_RANGE.from, ENROL_RANGE.to);
      const r = rng(7);
      const SWAP_AT = 30; // 2 s in: views of the owner were already captured; the enrolment needs ≥ 4 s
      const frames: Uint8Array[] = [];
      for (let i = 0; i < segment.length; i++) {
        let f = segment[i]!;
        if (i >= SWAP_AT) {
          const box = await h.boxOf(f);
          if (box !== undefined) f = await swapFace(f, box, 'Laura_Bush');
        }
        frames.push(noisy(f, r, 2));
      }
      const out = await h.enrolWith(stamp(frames, rng(8), 1000));
      expect(out.view).toEqual({ kind: 'enrol-refused', code: 'ENROLMENT_PERSON_CHANGED' });
      expect(out.refusal).toBe('identity-changed');
      expect(out.framesUsed).toBeGreaterThan(SWAP_AT);
      expect((await h.flow.status()).enrolled).toBe(false);
    });

    it('the owner’s face clip still enrols', async () => {
      await h.enrol();
      expect((await h.flow.status()).enrolled).toBe(true);
    });
  },
);
