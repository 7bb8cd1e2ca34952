/**
 * bench:pad-slow — the owner's bona fide unlock rate when main is slow: the face clip's bona fide windows
 * (BONA_FIDE_STARTS, up to the clip's shot change at 15-fps frame 118) as main sees them when it answers only
 * every k-th camera frame (`slowMachine`: the renderer captures the next frame once main has answered, so
 * frames are k camera intervals apart, all but one of them main's own busy time). Through the real face flow
 * with the shipped default models, balanced level. Prints one line per k and, last, one JSON object.
 *
 *   npm run bench:pad-slow [-- --every 1,3,4,5,6,8,10]
 *
 * Builds the default models it needs (tools/build-default-models.ts, incremental).
 */
import { loadavg } from 'node:os';
import { buildDefaultModels } from '../tools/build-default-models.ts';
import { createPadHarness } from '../test/support/pad-harness.ts';
import { BONA_FIDE_STARTS, clipFrames, rng, slowMachine, stamp } from '../test/support/pad-sequences.ts';

const args = process.argv.slice(2);
const i = args.indexOf('--every');
const everyList = (i >= 0 ? args[i + 1]! : '1,3,4,5,6,8,10').split(',').map(Number);
if (everyList.some((k) => !Number.isInteger(k) || k < 1)) throw new Error('--every takes positive integers');

buildDefaultModels({ log: () => {} });
const h = await createPadHarness('balanced');
await h.enrol();
const clip = clipFrames();
const SHOT_END = 118;
const rows: Record<string, { unlocked: number; of: number; failures: Record<string, number> }> = {};
for (const every of everyList) {
  const failures: Record<string, number> = {};
  let unlocked = 0;
  for (const { from, challenge } of BONA_FIDE_STARTS) {
    const seq = {
      name: `bona-fide ${challenge} @${from}`,
      frames: stamp(clip.slice(from, SHOT_END), rng(from), 5000 + from * 10),
      challenges: [challenge],
    };
    const r = await h.attempt(slowMachine(seq, every));
    if (r.unlocked) unlocked++;
    else {
      const why = r.report?.failure ?? r.report?.result ?? r.view.kind;
      failures[why] = (failures[why] ?? 0) + 1;
    }
  }
  rows[`every_${every}`] = { unlocked, of: BONA_FIDE_STARTS.length, failures };
  const fps = (15 / every).toFixed(2);
  console.log(
    `main answers every ${every} (${fps} fps): ${unlocked}/${BONA_FIDE_STARTS.length} unlocked`,
    failures,
  );
}
h.close();
console.log(JSON.stringify({ bench: 'pad-slow', level: 'balanced', load: loadavg()[0], rows }));
