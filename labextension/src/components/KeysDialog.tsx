/**
 * The Keys dialog (issue 13): a service's primary and secondary key, hidden until shown, each with Copy and
 * Regenerate. The rules (masking, what a regeneration keeps) live in `KeysState`, the calls in the model.
 */
import * as React from 'react';

import { Clipboard } from '@jupyterlab/apputils';
import { Button } from '@jupyterlab/ui-components';

import { IService, KeyType } from '../api/types';
import { DeploymentsModel } from '../model';
import { KEY_TYPES, KeysState } from '../serviceKeys';
import { openFormDialog } from './FormDialog';

export function openKeysDialog(
  model: DeploymentsModel,
  service: IService
): Promise<void> {
  return openFormDialog(
    `Keys of ${service.name}`,
    <KeysView model={model} service={service} />
  );
}

function KeysView(props: {
  model: DeploymentsModel;
  service: IService;
}): JSX.Element {
  const { model, service } = props;
  const [state, setState] = React.useState(() => new KeysState());

  React.useEffect(() => {
    void model
      .serviceKeys(service.name)
      .then(outcome => setState(current => current.withAnswer(outcome)));
  }, [model, service.name]);

  const regenerate = async (type: KeyType) => {
    setState(current => current.withRegenerating(type));
    const outcome = await model.regenerateKey(service.name, type);
    setState(current => current.withAnswer(outcome));
  };

  return (
    <div className="jp-Deploy-form jp-Deploy-keys">
      <div className="jp-Deploy-dim">
        Send one of them as <code>Authorization: Bearer &lt;key&gt;</code> to{' '}
        <code>{service.scoringUri ?? service.name}</code>; the panel&apos;s Test
        sends the primary key itself.
      </div>
      {KEY_TYPES.map(type => (
        <KeyRow
          key={type}
          type={type}
          state={state}
          onShow={shown => setState(current => current.withShown(type, shown))}
          onRegenerate={() => void regenerate(type)}
        />
      ))}
      {state.error && <div className="jp-Deploy-error">{state.error}</div>}
    </div>
  );
}

/** One key: its (masked) text, and Show/Hide, Copy and Regenerate. */
function KeyRow(props: {
  type: KeyType;
  state: KeysState;
  onShow: (shown: boolean) => void;
  onRegenerate: () => void;
}): JSX.Element {
  const { type, state } = props;
  const key = state.key(type);
  const shown = state.isShown(type);
  const busy = state.regenerating !== null;
  return (
    <div className="jp-Deploy-field" data-key={type}>
      <span>{type} key</span>
      <div className="jp-Deploy-keyRow">
        <code className="jp-Deploy-key" data-shown={shown}>
          {state.text(type)}
        </code>
        <Button
          small
          minimal
          disabled={key === null}
          title={shown ? 'Hide the key' : 'Show the key'}
          onClick={() => props.onShow(!shown)}
        >
          {shown ? 'Hide' : 'Show'}
        </Button>
        <Button
          small
          minimal
          disabled={key === null}
          title="Copy the key to the clipboard"
          onClick={() => key !== null && Clipboard.copyToSystem(key)}
        >
          Copy
        </Button>
        <Button
          small
          minimal
          disabled={key === null || busy}
          title={`Replace the ${type.toLowerCase()} key; clients still sending the old one get 401`}
          onClick={props.onRegenerate}
        >
          {state.regenerating === type ? 'Regenerating…' : 'Regenerate'}
        </Button>
      </div>
    </div>
  );
}
