/**
 * The Keys dialog as plain data (issue 13): a service's two keys, which of them is shown in clear, which one is
 * being regenerated, and why the last call failed. No React here, so the dialog's rules are tested without
 * rendering it.
 */
import { IKeys, KeyType } from './api/types';
import { Outcome } from './model';

/** The keys in the order the dialog shows them (Azure's `get_keys()` order). */
export const KEY_TYPES: readonly KeyType[] = ['Primary', 'Secondary'];

/** Where each key is in `IKeys`. */
const KEY_FIELDS: Record<KeyType, keyof IKeys> = {
  Primary: 'primaryKey',
  Secondary: 'secondaryKey'
};

/** What stands for each character of a hidden key. */
const MASK_CHARACTER = '•';

/** A key as the dialog shows it while hidden: as long as the key, none of its characters. */
export function maskKey(key: string): string {
  return MASK_CHARACTER.repeat(key.length);
}

/**
 * An immutable snapshot of the dialog: every change makes a new one, so it can be React state as it is.
 *
 * Keys start hidden; a regenerated key keeps being shown or hidden as it was, so a user who looked at the old
 * one sees the new one to copy.
 */
export class KeysState {
  constructor(
    /** The last keys read; null until the first answer. */
    readonly keys: IKeys | null = null,
    /** Why the last call (read or regenerate) failed; null when it did not. */
    readonly error: string | null = null,
    /** The key being regenerated right now; null when none is. */
    readonly regenerating: KeyType | null = null,
    private readonly _shown: readonly KeyType[] = []
  ) {}

  /** The key itself; null until the keys are read. */
  key(type: KeyType): string | null {
    return this.keys === null ? null : this.keys[KEY_FIELDS[type]];
  }

  /** Whether the key is shown in clear. */
  isShown(type: KeyType): boolean {
    return this._shown.includes(type);
  }

  /** What the dialog shows for the key: itself, its mask, or an ellipsis until it is read. */
  text(type: KeyType): string {
    const key = this.key(type);
    if (key === null) {
      return '…';
    }
    return this.isShown(type) ? key : maskKey(key);
  }

  /** The same dialog with the key shown in clear or hidden. */
  withShown(type: KeyType, shown: boolean): KeysState {
    const others = this._shown.filter(other => other !== type);
    return new KeysState(
      this.keys,
      this.error,
      this.regenerating,
      shown ? [...others, type] : others
    );
  }

  /** The same dialog while `type` is being regenerated (the last error is cleared). */
  withRegenerating(type: KeyType): KeysState {
    return new KeysState(this.keys, null, type, this._shown);
  }

  /** The same dialog after a read or a regeneration answered: the new keys, or why it failed (keys kept). */
  withAnswer(outcome: Outcome<IKeys>): KeysState {
    return new KeysState(
      outcome.ok ? outcome.value : this.keys,
      outcome.ok ? null : outcome.message,
      null,
      this._shown
    );
  }
}
