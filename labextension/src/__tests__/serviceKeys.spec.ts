/**
 * The Keys dialog's rules without React (issue 13): keys hidden until shown, what a read or a regeneration
 * changes, and what is kept when one fails.
 */
import { KEY_TYPES, KeysState, maskKey } from '../serviceKeys';

const KEYS = { primaryKey: 'primary-0123', secondaryKey: 'second' };

describe('KeysState', () => {
  it('shows an ellipsis until the keys are read, then each key masked to its length', () => {
    const empty = new KeysState();
    expect(KEY_TYPES.map(type => empty.text(type))).toEqual(['…', '…']);
    expect(empty.key('Primary')).toBeNull();

    const read = empty.withAnswer({ ok: true, value: KEYS });
    expect(read.key('Primary')).toBe('primary-0123');
    expect(read.text('Primary')).toBe('••••••••••••');
    expect(read.text('Secondary')).toBe(maskKey('second'));
    expect(read.text('Secondary')).not.toContain('s');
  });

  it('shows and hides one key at a time, leaving the other as it was', () => {
    const read = new KeysState().withAnswer({ ok: true, value: KEYS });
    const shown = read.withShown('Secondary', true);
    expect(shown.text('Secondary')).toBe('second');
    expect(shown.isShown('Primary')).toBe(false);
    expect(read.isShown('Secondary')).toBe(false);
    expect(shown.withShown('Secondary', false).text('Secondary')).toBe(
      maskKey('second')
    );
  });

  it('takes the new pair after a regeneration, shown as the old key was', () => {
    const regenerating = new KeysState()
      .withAnswer({ ok: true, value: KEYS })
      .withShown('Primary', true)
      .withRegenerating('Primary');
    expect(regenerating.regenerating).toBe('Primary');

    const renewed = regenerating.withAnswer({
      ok: true,
      value: { ...KEYS, primaryKey: 'fresh-key' }
    });
    expect(renewed.regenerating).toBeNull();
    expect(renewed.text('Primary')).toBe('fresh-key');
    expect(renewed.text('Secondary')).toBe(maskKey('second'));
  });

  it('keeps the keys it had and says why when a call fails; the next call clears the error', () => {
    const failed = new KeysState()
      .withAnswer({ ok: true, value: KEYS })
      .withRegenerating('Secondary')
      .withAnswer({ ok: false, message: "Service 'echo' is not running." });
    expect(failed.error).toBe("Service 'echo' is not running.");
    expect(failed.key('Secondary')).toBe('second');
    expect(failed.regenerating).toBeNull();
    expect(failed.withRegenerating('Secondary').error).toBeNull();
  });

  it('has no keys but the reason when the service has key auth off', () => {
    const refused = new KeysState().withAnswer({
      ok: false,
      message: "Service 'echo' has key auth off, so it has no keys."
    });
    expect(refused.keys).toBeNull();
    expect(refused.text('Primary')).toBe('…');
    expect(refused.error).toContain('key auth off');
  });
});
