/**
 * The fields of the Deploy dialog. Each shows part of a `DeployFormState` and hands back the changed state;
 * the rules (what is missing, what the request holds) live in the state, not here.
 */
import * as React from 'react';

import {
  IComputeTarget,
  IEnvironment,
  IModelGroup,
  IScript
} from '../api/types';
import {
  DeployFormState,
  EnvironmentSource,
  IDeployFormFields
} from '../deployForm';
import { Reading } from '../model';

/** What every field gets: the form as it is, and where to send it changed. */
export interface IFieldProps {
  form: DeployFormState;
  onChange: (form: DeployFormState) => void;
}

/** The form's free-text inputs. */
type TextFieldName =
  | 'entryScript'
  | 'sourceDirectory'
  | 'dependencyFile'
  | 'serviceName'
  | 'port'
  | 'replicas';

interface ITextFieldProps extends IFieldProps {
  field: TextFieldName;
  label: string;
  /** The input's `name` attribute (what the browser test finds it by). */
  name: string;
  placeholder: string;
  /** Values offered while typing, each with a note. */
  suggestions?: { value: string; note: string }[];
  /** A number (the port, the replicas): a narrow input, with the numeric keyboard on touch screens. */
  numeric?: boolean;
  className?: string;
}

/** A labelled text input bound to one of the form's text fields. */
export function TextField(props: ITextFieldProps): JSX.Element {
  const { form, field } = props;
  const listId = props.suggestions ? `jp-Deploy-${props.name}-list` : undefined;
  const changes = (value: string): Partial<IDeployFormFields> => ({
    [field]: value
  });
  return (
    <label
      className={['jp-Deploy-field', props.className].filter(Boolean).join(' ')}
    >
      <span>{props.label}</span>
      <input
        className={
          props.numeric ? 'jp-mod-styled jp-Deploy-port' : 'jp-mod-styled'
        }
        name={props.name}
        list={listId}
        inputMode={props.numeric ? 'numeric' : undefined}
        placeholder={props.placeholder}
        value={form.fields[field]}
        onChange={event =>
          props.onChange(form.with(changes(event.target.value)))
        }
      />
      {props.suggestions && (
        <datalist id={listId}>
          {props.suggestions.map(suggestion => (
            <option key={suggestion.value} value={suggestion.value}>
              {suggestion.note}
            </option>
          ))}
        </datalist>
      )}
    </label>
  );
}

/** Every registered model version, newest first within a model, as a checkbox. */
export function ModelsField(
  props: IFieldProps & { groups: Reading<IModelGroup[]> }
): JSX.Element {
  const { form, groups } = props;
  let choices: JSX.Element;
  if (groups.error) {
    choices = <div className="jp-Deploy-error">{groups.error}</div>;
  } else if (groups.value.length === 0) {
    choices = <div className="jp-Deploy-empty">No model registered yet.</div>;
  } else {
    choices = (
      <div className="jp-Deploy-modelChoices">
        {groups.value.flatMap(group =>
          [...group.versions]
            .sort((a, b) => b.version - a.version)
            .map(model => (
              <label key={model.id} className="jp-Deploy-check">
                <input
                  type="checkbox"
                  name="models"
                  value={model.id}
                  checked={form.fields.models.includes(model.id)}
                  onChange={event =>
                    props.onChange(
                      form.withModel(model.id, event.target.checked)
                    )
                  }
                />
                {model.id}
                {model.description && (
                  <span className="jp-Deploy-dim"> {model.description}</span>
                )}
              </label>
            ))
        )}
      </div>
    );
  }
  return (
    <fieldset className="jp-Deploy-field">
      <legend>Models</legend>
      {choices}
    </fieldset>
  );
}

/** The entry script, with the scripts the workspace knows offered while typing. */
export function EntryScriptField(
  props: IFieldProps & { scripts: IScript[] }
): JSX.Element {
  return (
    <TextField
      {...props}
      field="entryScript"
      label="Entry script"
      name="entry_script"
      placeholder="score.py (relative to the Jupyter root)"
      suggestions={props.scripts.map(script => ({
        value: script.path,
        note: script.source === 'service' ? 'used by a service' : 'score script'
      }))}
    />
  );
}

/** Where the dependencies come from, and the stored environment or the file that says which. */
export function EnvironmentField(
  props: IFieldProps & { environments: IEnvironment[] }
): JSX.Element {
  const { form, environments } = props;
  const source = form.fields.environmentSource;
  const conda = source === 'conda';
  return (
    <>
      <label className="jp-Deploy-field">
        <span>Environment</span>
        <select
          className="jp-mod-styled"
          name="environment_source"
          value={source}
          onChange={event =>
            props.onChange(
              form.withEnvironmentSource(
                event.target.value as EnvironmentSource,
                environments.map(environment => environment.name)
              )
            )
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
      {source === 'stored' && (
        <label className="jp-Deploy-field">
          <span>Stored environment</span>
          <select
            className="jp-mod-styled"
            name="environment"
            value={form.fields.storedEnvironment}
            onChange={event =>
              props.onChange(
                form.with({ storedEnvironment: event.target.value })
              )
            }
          >
            {environments.map(environment => (
              <option key={environment.name} value={environment.name}>
                {environment.name}
                {environment.pythonVersion
                  ? ` (Python ${environment.pythonVersion})`
                  : ''}
                {` · ${environment.pipRequirements.length} packages`}
              </option>
            ))}
          </select>
        </label>
      )}
      {form.needsDependencyFile && (
        <TextField
          {...props}
          field="dependencyFile"
          label={conda ? 'Conda file' : 'Requirements file'}
          name="dependency_file"
          placeholder={conda ? 'myenv.yml' : 'requirements.txt'}
        />
      )}
    </>
  );
}

/** The form's on/off inputs. */
type CheckFieldName = 'overwrite' | 'collectModelData' | 'authEnabled';

interface ICheckFieldProps extends IFieldProps {
  field: CheckFieldName;
  label: string;
  /** The input's `name` attribute (what the browser test finds it by). */
  name: string;
  /** The tooltip, when the label needs more words. */
  title?: string;
}

/** A checkbox bound to one of the form's on/off fields. */
export function CheckField(props: ICheckFieldProps): JSX.Element {
  const { form, field } = props;
  const changes = (checked: boolean): Partial<IDeployFormFields> => ({
    [field]: checked
  });
  return (
    <label className="jp-Deploy-check" title={props.title}>
      <input
        type="checkbox"
        name={props.name}
        checked={form.fields[field]}
        onChange={event =>
          props.onChange(form.with(changes(event.target.checked)))
        }
      />
      {props.label}
    </label>
  );
}

/** Issue 13: Local Docker or one of the compute targets attached to the workspace, each with its type. */
export function TargetField(
  props: IFieldProps & { targets: IComputeTarget[] }
): JSX.Element {
  const { form } = props;
  return (
    <label className="jp-Deploy-field">
      <span>Target</span>
      <select
        className="jp-mod-styled"
        name="compute_target"
        value={form.fields.computeTarget}
        onChange={event =>
          props.onChange(form.with({ computeTarget: event.target.value }))
        }
      >
        <option value="">Local Docker (one container on this machine)</option>
        {props.targets.map(target => (
          <option key={target.name} value={target.name}>
            {target.name} ({target.type})
          </option>
        ))}
      </select>
    </label>
  );
}
