/**
 * `--volume-source` of `restore create`, local and remote: read here rather than with the shared flags
 * (flags.ts), so that commands that do not restore do not load the restore engine for it.
 */
import {
  type VolumeSourceMode,
  volumeSourceChoices,
  volumeSourceMeanings,
  volumeSourceModes,
} from '../restore/index.ts';
import { UsageError } from './io.ts';

/**
 * Where claims' data may come from when the backup kept a claim's CSI snapshot beside a copy of its data;
 * undefined when not given (auto).
 */
export function volumeSource(value: string | undefined): VolumeSourceMode | undefined {
  if (value === undefined) return undefined;
  const mode = volumeSourceModes.find((allowed) => allowed === value);
  if (mode) return mode;
  throw new UsageError(`--volume-source must be ${volumeSourceChoices()}, got "${value}"`);
}

/** A restore's volume source as `restore describe` words it. */
export function volumeSourceText(mode: VolumeSourceMode): string {
  return `${mode} (${volumeSourceMeanings[mode]})`;
}
