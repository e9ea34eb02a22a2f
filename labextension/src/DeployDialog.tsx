/**
 * The Deploy dialog: pick models, an entry script and an environment, name the service, deploy; then follow
 * the deployment's progress and streamed log until it succeeds or fails.
 */
import * as React from 'react';

import { ReactWidget } from '@jupyterlab/apputils';

import { listEnvironments, listScripts } from './client';
import { DeploymentProgress } from './DeploymentProgress';
import { openFormDialog } from './FormDialog';
import { DeploymentsModel, ITrackedDeployment } from './model';
import { errorMessage } from './request';
import { IDeployRequest, IKnownScript, IStoredEnvironment } from './tokens';

/** Open the Deploy dialog; the deployment goes on in the background if it is closed. */
export function openDeployDialog(model: DeploymentsModel): Promise<void> {
  return openFormDialog('Deploy a model', new DeployForm(model));
}

class DeployForm extends ReactWidget {
  constructor(private readonly _model: DeploymentsModel) {
    super();
    this.addClass('jp-Deploy-deployForm');
  }

  render(): JSX.Element {
    return <DeployFormView model={this._model} />;
  }
}

/** Where the service's dependencies come from. */
type EnvironmentSource = 'default' | 'stored' | 'conda' | 'requirements';

function DeployFormView(props: { model: DeploymentsModel }): JSX.Element {
  const { model } = props;
  const [scripts, setScripts] = React.useState<IKnownScript[]>([]);
  const [environments, setEnvironments] = React.useState<IStoredEnvironment[]>(
    []
  );
  const [loadError, setLoadError] = React.useState<string | null>(null);

  const [selectedModels, setSelectedModels] = React.useState<string[]>([]);
  const [entryScript, setEntryScript] = React.useState('');
  const [sourceDirectory, setSourceDirectory] = React.useState('');
  const [environmentSource, setEnvironmentSource] =
    React.useState<EnvironmentSource>('default');
  const [storedEnvironment, setStoredEnvironment] = React.useState('');
  const [dependencyFile, setDependencyFile] = React.useState('');
  const [serviceName, setServiceName] = React.useState('');
  const [port, setPort] = React.useState('');
  const [overwrite, setOverwrite] = React.useState(false);

  const [submitting, setSubmitting] = React.useState(false);
  const [submitError, setSubmitError] = React.useState<string | null>(null);
  const [tracked, setTracked] = React.useState<ITrackedDeployment | null>(null);
  // The tracked deployment is updated in place; re-render the whole form when it (or the models) change.
  const [, setUpdates] = React.useState(0);
  React.useEffect(() => {
    const onChanged = () => setUpdates(count => count + 1);
    model.changed.connect(onChanged);
    return () => {
      model.changed.disconnect(onChanged);
    };
  }, [model]);
  const progressRef = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    progressRef.current?.scrollIntoView({ block: 'nearest' });
  }, [tracked]);

  React.useEffect(() => {
    void model.refreshModels();
    Promise.all([listScripts(), listEnvironments()])
      .then(([knownScripts, storedEnvironments]) => {
        setScripts(knownScripts);
        setEnvironments(storedEnvironments);
        if (storedEnvironments.length > 0) {
          setStoredEnvironment(storedEnvironments[0].name);
        }
      })
      .catch(error => setLoadError(errorMessage(error)));
  }, []);

  const toggleModel = (id: string, checked: boolean) => {
    setSelectedModels(
      checked
        ? [...selectedModels, id]
        : selectedModels.filter(other => other !== id)
    );
  };

  const missing: string[] = [];
  if (selectedModels.length === 0) {
    missing.push('at least one model');
  }
  if (entryScript.trim() === '') {
    missing.push('an entry script');
  }
  if (serviceName.trim() === '') {
    missing.push('a service name');
  }
  if (environmentSource === 'stored' && storedEnvironment === '') {
    missing.push('a stored environment');
  }
  if (
    (environmentSource === 'conda' || environmentSource === 'requirements') &&
    dependencyFile.trim() === ''
  ) {
    missing.push(
      environmentSource === 'conda' ? 'a conda file' : 'a requirements file'
    );
  }
  const portNumber = port.trim() === '' ? null : Number(port);
  const portInvalid =
    portNumber !== null &&
    (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535);
  const running = tracked?.deployment.status === 'running';

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (missing.length > 0 || portInvalid || submitting || running) {
      return;
    }
    const request: IDeployRequest = {
      service_name: serviceName.trim(),
      models: selectedModels,
      entry_script: entryScript.trim(),
      source_directory: sourceDirectory.trim() || null,
      environment: environmentSource === 'stored' ? storedEnvironment : null,
      conda_file: environmentSource === 'conda' ? dependencyFile.trim() : null,
      requirements_file:
        environmentSource === 'requirements' ? dependencyFile.trim() : null,
      port: portNumber,
      overwrite
    };
    setSubmitting(true);
    setSubmitError(null);
    try {
      setTracked(await model.deploy(request));
    } catch (error) {
      setSubmitError(errorMessage(error));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form className="jp-Deploy-form" onSubmit={submit}>
      {loadError && <div className="jp-Deploy-error">{loadError}</div>}

      <fieldset className="jp-Deploy-field">
        <legend>Models</legend>
        {model.modelsError ? (
          <div className="jp-Deploy-error">{model.modelsError}</div>
        ) : model.models.length === 0 ? (
          <div className="jp-Deploy-empty">No model registered yet.</div>
        ) : (
          <div className="jp-Deploy-modelChoices">
            {model.models.flatMap(registered =>
              [...registered.versions]
                .sort((a, b) => b.version - a.version)
                .map(version => (
                  <label key={version.id} className="jp-Deploy-check">
                    <input
                      type="checkbox"
                      name="models"
                      value={version.id}
                      checked={selectedModels.includes(version.id)}
                      onChange={event =>
                        toggleModel(version.id, event.target.checked)
                      }
                    />
                    {version.id}
                    {version.description && (
                      <span className="jp-Deploy-dim">
                        {' '}
                        {version.description}
                      </span>
                    )}
                  </label>
                ))
            )}
          </div>
        )}
      </fieldset>

      <label className="jp-Deploy-field">
        <span>Entry script</span>
        <input
          className="jp-mod-styled"
          name="entry_script"
          list="jp-Deploy-scripts"
          placeholder="score.py (relative to the Jupyter root)"
          value={entryScript}
          onChange={event => setEntryScript(event.target.value)}
        />
        <datalist id="jp-Deploy-scripts">
          {scripts.map(script => (
            <option key={script.path} value={script.path}>
              {script.source === 'service'
                ? 'used by a service'
                : 'score script'}
            </option>
          ))}
        </datalist>
      </label>

      <label className="jp-Deploy-field">
        <span>Source directory (optional)</span>
        <input
          className="jp-mod-styled"
          name="source_directory"
          placeholder="folder copied next to the entry script"
          value={sourceDirectory}
          onChange={event => setSourceDirectory(event.target.value)}
        />
      </label>

      <label className="jp-Deploy-field">
        <span>Environment</span>
        <select
          className="jp-mod-styled"
          name="environment_source"
          value={environmentSource}
          onChange={event =>
            setEnvironmentSource(event.target.value as EnvironmentSource)
          }
        >
          <option value="default">Minimal (the scoring runtime only)</option>
          <option value="stored" disabled={environments.length === 0}>
            Stored environment{environments.length === 0 ? ' (none yet)' : ''}
          </option>
          <option value="conda">Conda specification file</option>
          <option value="requirements">pip requirements file</option>
        </select>
      </label>
      {environmentSource === 'stored' && (
        <label className="jp-Deploy-field">
          <span>Stored environment</span>
          <select
            className="jp-mod-styled"
            name="environment"
            value={storedEnvironment}
            onChange={event => setStoredEnvironment(event.target.value)}
          >
            {environments.map(environment => (
              <option key={environment.name} value={environment.name}>
                {environment.name}
                {environment.python_version
                  ? ` (Python ${environment.python_version})`
                  : ''}
                {` · ${environment.pip_requirements.length} packages`}
              </option>
            ))}
          </select>
        </label>
      )}
      {(environmentSource === 'conda' ||
        environmentSource === 'requirements') && (
        <label className="jp-Deploy-field">
          <span>
            {environmentSource === 'conda' ? 'Conda file' : 'Requirements file'}
          </span>
          <input
            className="jp-mod-styled"
            name="dependency_file"
            placeholder={
              environmentSource === 'conda' ? 'myenv.yml' : 'requirements.txt'
            }
            value={dependencyFile}
            onChange={event => setDependencyFile(event.target.value)}
          />
        </label>
      )}

      <div className="jp-Deploy-row">
        <label className="jp-Deploy-field jp-Deploy-grow">
          <span>Service name</span>
          <input
            className="jp-mod-styled"
            name="service_name"
            placeholder="myservice"
            value={serviceName}
            onChange={event => setServiceName(event.target.value)}
          />
        </label>
        <label className="jp-Deploy-field">
          <span>Port</span>
          <input
            className="jp-mod-styled jp-Deploy-port"
            name="port"
            inputMode="numeric"
            placeholder="any free"
            value={port}
            onChange={event => setPort(event.target.value)}
          />
        </label>
      </div>
      <label className="jp-Deploy-check">
        <input
          type="checkbox"
          name="overwrite"
          checked={overwrite}
          onChange={event => setOverwrite(event.target.checked)}
        />
        Overwrite a service with the same name
      </label>

      {portInvalid && (
        <div className="jp-Deploy-error">
          The port must be a number from 1 to 65535.
        </div>
      )}
      {submitError && <div className="jp-Deploy-error">{submitError}</div>}

      <div className="jp-Deploy-submitRow">
        <button
          type="submit"
          className="jp-Dialog-button jp-mod-accept jp-mod-styled"
          disabled={missing.length > 0 || portInvalid || submitting || running}
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
