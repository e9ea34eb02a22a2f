/**
 * The Deploy dialog: pick models, an entry script, an environment and a target (Local Docker or an attached
 * compute target), name the service, deploy; then follow the deployment's progress and streamed log until it
 * succeeds or fails.
 */
import * as React from 'react';

import { UseSignal } from '@jupyterlab/apputils';

import { DeployFormState } from '../deployForm';
import { DeploymentsModel, ITrackedDeployment } from '../model';
import {
  CheckField,
  EntryScriptField,
  EnvironmentField,
  ModelsField,
  TargetField,
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
    void model.refresh(
      model.models,
      model.scripts,
      model.environments,
      model.computeTargets
    );
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

  // Scripts, environments and targets are only choices: the form works without them, so one line says why.
  const loadErrors = new Set(
    [
      model.scripts.error,
      model.environments.error,
      model.computeTargets.error
    ].filter(Boolean)
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
      <TargetField {...fieldProps} targets={model.computeTargets.value} />
      <div className="jp-Deploy-row">
        <TextField
          {...fieldProps}
          field="serviceName"
          label="Service name"
          name="service_name"
          placeholder="myservice"
          className="jp-Deploy-grow"
        />
        {form.onComputeTarget ? (
          <TextField
            {...fieldProps}
            field="replicas"
            label="Replicas"
            name="replicas"
            placeholder="1"
            numeric
          />
        ) : (
          <TextField
            {...fieldProps}
            field="port"
            label="Port"
            name="port"
            placeholder="any free"
            numeric
          />
        )}
      </div>
      <CheckField
        {...fieldProps}
        field="overwrite"
        name="overwrite"
        label="Overwrite a service with the same name"
      />
      {form.onComputeTarget ? (
        <CheckField
          {...fieldProps}
          field="authEnabled"
          name="auth_enabled"
          label="Key auth"
          title="/score needs one of the service's two keys (Azure's auth_enabled, on by default on a cluster)"
        />
      ) : (
        <CheckField
          {...fieldProps}
          field="collectModelData"
          name="collect_model_data"
          label="Collect model data"
          title="Store every request and its answer in the workspace (Azure's collect_model_data)"
        />
      )}

      {form.problems.map(problem => (
        <div className="jp-Deploy-error" key={problem}>
          {problem}
        </div>
      ))}
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
