import { Dialog } from '@jupyterlab/apputils';

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
