/**
 * The vocabulary of a restore's volume source, one for every surface: the kinds of source a claim's data
 * comes from, the modes a restore may be asked for (`RestoreRequest.volumeSource`; the API's enum and the
 * CLI's `--volume-source` take these), what each mode means in the words the errors, the usage and describe
 * use, and the engine's check of a value. The rule that applies a mode is in volume-choice.ts.
 */
import { RestoreInputError } from './errors.ts';

/** Where a restored claim's data comes from: a CSI snapshot, or the copy in the location's repository. */
export type VolumeSourceKind = 'snapshot' | 'copy';

/** Every `VolumeSourceMode`, in the order a user is offered them. */
export const volumeSourceModes = ['auto', 'snapshot', 'copy'] as const;

/**
 * Which sources a restore may fill claims from (`RestoreRequest.volumeSource`): `auto` (the default) the
 * kept CSI snapshot where the target can use it, else the copy; `snapshot` CSI snapshots only, never a copy;
 * `copy` copies in the location's volume repository only, never a CSI snapshot. The rule is
 * `chooseSource` in volume-choice.ts.
 */
export type VolumeSourceMode = (typeof volumeSourceModes)[number];

/** What each mode means, in the words every surface uses (errors, usage, describe). */
export const volumeSourceMeanings: Readonly<Record<VolumeSourceMode, string>> = {
  auto: 'the kept CSI snapshot where the target can use it, else the copy',
  snapshot: 'CSI snapshots only',
  copy: "copies in the location's volume repository only",
};

/** The modes as a sentence offers them: "auto (…), snapshot (…) or copy (…)". */
export function volumeSourceChoices(): string {
  const each = volumeSourceModes.map((mode) => `${mode} (${volumeSourceMeanings[mode]})`);
  return `${each.slice(0, -1).join(', ')} or ${each.at(-1)}`;
}

/**
 * The restore's `volumeSource`, checked: `auto` when absent.
 *
 * @throws RestoreInputError naming the allowed values, for any other value.
 */
export function checkVolumeSource(value: unknown): VolumeSourceMode {
  if (value === undefined) return 'auto';
  const mode = volumeSourceModes.find((allowed) => allowed === value);
  if (mode) return mode;
  throw new RestoreInputError(
    `invalid volume source ${JSON.stringify(value)}: give ${volumeSourceChoices()}`,
  );
}
