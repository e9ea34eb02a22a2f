/**
 * The Deploy dialog's form as plain data: what the user typed and chose, what is still missing, which fields
 * apply to the chosen target, and the `DeployRequest` it makes. No React here, so every rule of the form is
 * tested without rendering it.
 */
import { IDeployRequest } from './api/types';

/** Where the service's dependencies come from. */
export type EnvironmentSource = 'default' | 'stored' | 'conda' | 'requirements';

/** The form's inputs, as typed (text fields are trimmed only when the request is made). */
export interface IDeployFormFields {
  /** Ids (`name:version`) of the chosen model versions, in the order they were ticked. */
  models: string[];
  entryScript: string;
  sourceDirectory: string;
  environmentSource: EnvironmentSource;
  /** The stored environment's name, used when `environmentSource` is `stored`. */
  storedEnvironment: string;
  /** The conda or requirements file, used when `environmentSource` is `conda` or `requirements`. */
  dependencyFile: string;
  serviceName: string;
  /** Empty for any free port. */
  port: string;
  overwrite: boolean;
  /** Issue 12: capture every `/score` request of the service (Azure's `collect_model_data`); Local Docker only. */
  collectModelData: boolean;
  /** Issue 13: the attached compute target to deploy to; empty for Local Docker. */
  computeTarget: string;
  /** Issue 13: how many replicas run the service on the compute target. */
  replicas: string;
  /** Issue 13: whether `/score` needs a key, on a compute target (on by default, as on Azure). */
  authEnabled: boolean;
}

const EMPTY_FIELDS: IDeployFormFields = {
  models: [],
  entryScript: '',
  sourceDirectory: '',
  environmentSource: 'default',
  storedEnvironment: '',
  dependencyFile: '',
  serviceName: '',
  port: '',
  overwrite: false,
  collectModelData: false,
  computeTarget: '',
  replicas: '1',
  authEnabled: true
};

/** The highest TCP port. */
const MAX_PORT = 65535;

/** The most replicas a deploy request may ask for (the server's `MAX_REPLICAS`). */
export const MAX_REPLICAS = 64;

/**
 * An immutable snapshot of the form: every change makes a new one, so it can be React state as it is.
 */
export class DeployFormState {
  constructor(readonly fields: IDeployFormFields = EMPTY_FIELDS) {}

  /** The same form with some inputs changed. */
  with(changes: Partial<IDeployFormFields>): DeployFormState {
    return new DeployFormState({ ...this.fields, ...changes });
  }

  /** The same form with a model version ticked or unticked. */
  withModel(id: string, chosen: boolean): DeployFormState {
    const others = this.fields.models.filter(other => other !== id);
    return this.with({ models: chosen ? [...others, id] : others });
  }

  /**
   * The same form with another environment source; choosing `stored` before any stored environment was
   * picked picks the first of `storedNames`.
   */
  withEnvironmentSource(
    source: EnvironmentSource,
    storedNames: string[]
  ): DeployFormState {
    const storedEnvironment =
      source === 'stored' && this.fields.storedEnvironment === ''
        ? (storedNames[0] ?? '')
        : this.fields.storedEnvironment;
    return this.with({ environmentSource: source, storedEnvironment });
  }

  /**
   * Whether the service goes to an attached compute target rather than Local Docker: then replicas and key
   * auth apply, and the port and model data collection (Local Docker's) do not.
   */
  get onComputeTarget(): boolean {
    return this.fields.computeTarget !== '';
  }

  /** Whether the chosen environment source reads a file. */
  get needsDependencyFile(): boolean {
    const source = this.fields.environmentSource;
    return source === 'conda' || source === 'requirements';
  }

  /** What the user still has to give before deploying, as phrases ("an entry script"). */
  get missing(): string[] {
    const { fields } = this;
    const missing: string[] = [];
    if (fields.models.length === 0) {
      missing.push('at least one model');
    }
    if (fields.entryScript.trim() === '') {
      missing.push('an entry script');
    }
    if (fields.serviceName.trim() === '') {
      missing.push('a service name');
    }
    if (
      fields.environmentSource === 'stored' &&
      fields.storedEnvironment === ''
    ) {
      missing.push('a stored environment');
    }
    if (this.needsDependencyFile && fields.dependencyFile.trim() === '') {
      missing.push(
        fields.environmentSource === 'conda'
          ? 'a conda file'
          : 'a requirements file'
      );
    }
    return missing;
  }

  /** Why the port is not usable; null when it is, is left empty or does not apply (on a compute target). */
  get portProblem(): string | null {
    const port = this._port();
    return this.onComputeTarget || port === null || isWithin(port, 1, MAX_PORT)
      ? null
      : `The port must be a number from 1 to ${MAX_PORT}.`;
  }

  /** Why the replica count is not usable; null when it is or does not apply (on Local Docker). */
  get replicasProblem(): string | null {
    return !this.onComputeTarget || isWithin(this._replicas(), 1, MAX_REPLICAS)
      ? null
      : `Replicas must be a whole number from 1 to ${MAX_REPLICAS}.`;
  }

  /** Every reason a typed number is refused, as sentences (none when all are usable). */
  get problems(): string[] {
    return [this.portProblem, this.replicasProblem].filter(
      (problem): problem is string => problem !== null
    );
  }

  /** Whether `request()` can be sent. */
  get isComplete(): boolean {
    return this.missing.length === 0 && this.problems.length === 0;
  }

  /** The body of `POST deployments`; null while the form is not complete. */
  request(): IDeployRequest | null {
    if (!this.isComplete) {
      return null;
    }
    const { fields } = this;
    const source = fields.environmentSource;
    const dependencyFile = fields.dependencyFile.trim();
    // Only the fields of the chosen target are sent; the others stay in the form for switching back.
    const onTarget = this.onComputeTarget;
    return {
      serviceName: fields.serviceName.trim(),
      models: fields.models.slice(),
      entryScript: fields.entryScript.trim(),
      sourceDirectory: fields.sourceDirectory.trim() || null,
      environment: source === 'stored' ? fields.storedEnvironment : null,
      condaFile: source === 'conda' ? dependencyFile : null,
      requirementsFile: source === 'requirements' ? dependencyFile : null,
      port: onTarget ? null : this._port(),
      overwrite: fields.overwrite,
      collectModelData: onTarget ? false : fields.collectModelData,
      computeTarget: onTarget ? fields.computeTarget : null,
      replicas: onTarget ? this._replicas() : null,
      authEnabled: onTarget ? fields.authEnabled : null
    };
  }

  /** The typed port as a number (NaN when it is not one); null when left empty. */
  private _port(): number | null {
    const text = this.fields.port.trim();
    return text === '' ? null : Number(text);
  }

  /** The typed replica count as a number (NaN when it is not one, or left empty). */
  private _replicas(): number {
    const text = this.fields.replicas.trim();
    return text === '' ? NaN : Number(text);
  }
}

/** Whether `value` is a whole number from `low` to `high`. */
function isWithin(value: number, low: number, high: number): boolean {
  return Number.isInteger(value) && value >= low && value <= high;
}
