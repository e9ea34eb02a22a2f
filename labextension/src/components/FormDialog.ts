/**
 * The one way the panel opens a dialog whose body is a React form (Deploy, Test, Keys).
 */
import { Dialog, ReactWidget } from '@jupyterlab/apputils';

/**
 * A JupyterLab dialog whose body is a form with its own submit button.
 *
 * The stock dialog resolves on Enter in any text input, which would close a form mid-typing; here Enter
 * inside the body is left to the form (which submits itself), while Escape and the footer buttons behave
 * as usual.
 */
class FormDialog extends Dialog<void> {
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

/**
 * Show `form` in a dialog with only a Close button; resolves when it is closed. The form is unmounted then,
 * but whatever it started on the model (a deployment) goes on.
 */
export function openFormDialog(
  title: string,
  form: JSX.Element
): Promise<void> {
  const dialog = new FormDialog({
    title,
    body: ReactWidget.create(form),
    buttons: [Dialog.cancelButton({ label: 'Close' })],
    hasClose: true
  });
  dialog.addClass('jp-Deploy-dialog');
  return dialog.launch().then(() => undefined);
}
