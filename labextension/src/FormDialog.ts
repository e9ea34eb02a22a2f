import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

/**
 * A JupyterLab dialog whose body is a form with its own submit button.
 *
 * The stock dialog resolves on Enter in any text input, which would close a form mid-typing; here Enter
 * inside the body is left to the form (which submits itself), while Escape and the footer buttons behave
 * as usual.
 */
export class FormDialog<T> extends Dialog<T> {
  handleEvent(event: Event): void {
    if (
      event.type === 'keydown' &&
      (event as KeyboardEvent).key === 'Enter' &&
      this._bodyContains(event.target)
    ) {
      return;
    }
    super.handleEvent(event);
  }

  private _bodyContains(target: EventTarget | null): boolean {
    const body = this.node.querySelector('.jp-Dialog-body');
    return !!body && target instanceof Node && body.contains(target);
  }
}

/** Show `body` in a FormDialog with only a Close button; resolves when it is closed. */
export function openFormDialog(title: string, body: Widget): Promise<void> {
  const dialog = new FormDialog<void>({
    title,
    body,
    buttons: [Dialog.cancelButton({ label: 'Close' })],
    hasClose: true
  });
  dialog.addClass('jp-Deploy-dialog');
  return dialog.launch().then(() => undefined);
}
