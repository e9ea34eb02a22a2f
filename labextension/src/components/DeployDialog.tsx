/**
 * The Deploy dialog: pick models, an entry script and an environment, name the service, deploy; then follow
 * the deployment's progress and streamed log until it succeeds or fails.
 */
import * as React from 'react';

import { UseSignal } from '@jupyterlab/apputils';

import { DeployFormState } from '../deployForm';
import { DeploymentsModel, ITrackedDeployment } from '../model';
import {
  CollectModelDataField,
  EntryScriptField,
  EnvironmentField,
  ModelsField,
  OverwriteField,
  TextField
} from './DeployFields';
import { DeploymentProgress } from './DeploymentProgress';
import { openFormDialog } from './FormDialog';

/** Open the Deploy dialog; the deployment goes on in the background if it is closed. */
export function openDeployDialog(model: DeploymentsModel): Promise<void> {
  return openFormDialog(
    'Deploy a model',
    <UseSignal signal={model.changed}>
      {() => <DeployForm model={model} />}
    </UseSignal>
  );
}

function DeployForm(props: { model: DeploymentsModel }): JSX.Element {
  const { model } = props;
  const [form, setForm] = React.useState(() => new DeployFormState());
  const [submitting, setSubmitting] = React.useState(false);
  const [refusal, setRefusal] = React.useState<string | null>(null);
  const [tracked, setTracked] = React.useState<ITrackedDeployment | null>(null);

  React.useEffect(() => {
    void model.refresh(model.models, model.scripts, model.environments);
  }, [model]);
  const progressRef = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    progressRef.current?.scrollIntoView({ block: 'nearest' });
  }, [tracked]);

  const running = tracked?.deployment.status === 'running';
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const request = form.request();
    if (request === null || submitting || running) {
      return;
    }
    setSubmitting(true);
    setRefusal(null);
    const outcome = await model.deploy(request);
    if (outcome.ok) {
      setTracked(outcome.value);
    } else {
      setRefusal(outcome.message);
    }
    setSubmitting(false);
  };

  // Scripts and environments are only suggestions: the form works without them, so one line says why.
  const loadErrors = new Set(
    [model.scripts.error, model.environments.error].filter(Boolean)
  );
  const fieldProps = { form, onChange: setForm };
  const missing = form.missing;
  return (
    <form className="jp-Deploy-form" onSubmit={submit}>
      {[...loadErrors].map(error => (
        <div className="jp-Deploy-error" key={error}>
          {error}
        </div>
      ))}
      <ModelsField {...fieldProps} groups={model.models} />
      <EntryScriptField {...fieldProps} scripts={model.scripts.value} />
      <TextField
        {...fieldProps}
        field="sourceDirectory"
        label="Source directory (optional)"
        name="source_directory"
        placeholder="folder copied next to the entry script"
      />
      <EnvironmentField
        {...fieldProps}
        environments={model.environments.value}
      />
      <div className="jp-Deploy-row">
        <TextField
          {...fieldProps}
          field="serviceName"
          label="Service name"
          name="service_name"
          placeholder="myservice"
          className="jp-Deploy-grow"
        />
        <TextField
          {...fieldProps}
          field="port"
          label="Port"
          name="port"
          placeholder="any free"
          numeric
        />
      </div>
      <OverwriteField {...fieldProps} />
      <CollectModelDataField {...fieldProps} />

      {form.portProblem && (
        <div className="jp-Deploy-error">{form.portProblem}</div>
      )}
      {refusal && <div className="jp-Deploy-error">{refusal}</div>}

      <div className="jp-Deploy-submitRow">
        <button
          type="submit"
          className="jp-Dialog-button jp-mod-accept jp-mod-styled"
          disabled={!form.isComplete || submitting || running}
          title={missing.length > 0 ? `Needs ${missing.join(', ')}` : 'Deploy'}
        >
          <span className="jp-Dialog-buttonLabel">
            {submitting ? 'Starting…' : running ? 'Deploying…' : 'Deploy'}
          </span>
        </button>
        {missing.length > 0 && (
          <span className="jp-Deploy-dim">Needs {missing.join(', ')}.</span>
        )}
      </div>

      <div ref={progressRef}>
        {tracked && <DeploymentProgress tracked={tracked} showLog={true} />}
      </div>
    </form>
  );
}
