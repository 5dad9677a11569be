/**
 * One string per distinct value of a field that repeats across a backup's many objects (type, namespace,
 * group, version, kind): a large backup has a few hundred of them, and holding one copy per object would
 * multiply its memory. The content index's entries and the restore's items of the tarball share them.
 */
export class SharedStrings {
  private readonly strings = new Map<string, string>();

  /** The one copy of `value` (this one when it is new). */
  get(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    // Bounded: a hostile backup of all-distinct values gains nothing from sharing and must not grow this.
    if (this.strings.size < 10_000) this.strings.set(value, value);
    return value;
  }
}
