/** Naming rules of each store, checked before any call so the error says exactly what is wrong. */

/** Why `name` is not a valid S3 bucket name (AWS's rules for general-purpose buckets), or undefined. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lower-case letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two dots in a row';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not look like an IP address';
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.startsWith('amzn-s3-demo-'))
    return 'must not begin with xn--, sthree- or amzn-s3-demo-';
  if (
    name.endsWith('-s3alias') ||
    name.endsWith('--ol-s3') ||
    name.endsWith('.mrap') ||
    name.endsWith('--x-s3')
  ) {
    return 'must not end with -s3alias, --ol-s3, .mrap or --x-s3';
  }
  return undefined;
}

/** Why `name` is not a valid Google Cloud Storage bucket name, or undefined. */
export function gcsBucketNameProblem(name: string): string | undefined {
  const max = name.includes('.') ? 222 : 63;
  if (name.length < 3 || name.length > max) return `must be 3 to ${max} characters long`;
  if (!/^[a-z0-9._-]+$/.test(name))
    return 'may contain only lower-case letters, digits, dots, hyphens and underscores';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.startsWith('goog') || name.includes('google'))
    return 'must not begin with "goog" or contain "google"';
  return undefined;
}

/** Why `name` is not a valid Azure storage account name, or undefined. */
export function azureAccountNameProblem(name: string): string | undefined {
  if (!/^[a-z0-9]{3,24}$/.test(name)) return 'must be 3 to 24 lower-case letters and digits';
  return undefined;
}

/** Why `name` is not a valid Azure blob container name, or undefined. */
export function azureContainerNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only lower-case letters, digits and hyphens';
  if (!/^[a-z0-9]/.test(name) || name.endsWith('-'))
    return 'must begin with a letter or digit and not end with a hyphen';
  if (name.includes('--')) return 'must not contain two hyphens in a row';
  return undefined;
}

/**
 * Why a bucket prefix (or a folder path) is not usable as written, or undefined: a `.`, `..` or empty
 * segment would be resolved by a URL parser, a path library or a store into another folder than the one
 * shown, so it is refused rather than normalised. One leading and one trailing `/` are allowed.
 */
export function prefixProblem(prefix: string): string | undefined {
  const segments = prefix.split(/[/\\]/);
  if (segments[0] === '') segments.shift();
  if (segments.at(-1) === '') segments.pop();
  const bad = segments.find((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad === undefined) return undefined;
  return `has ${bad === '' ? 'an empty segment ("//")' : `a "${bad}" segment`}`;
}
