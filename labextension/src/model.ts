/**
 * Everything the Deployments panel knows and does, in one object that owns every REST call.
 *
 * Views read the model's readings (registered models, services with their live state, the engine's status,
 * known scripts and stored environments), call its methods, and re-render on `changed`; none of them talks
 * to the server itself. Services and models are polled while the panel is visible; deployments started here
 * are followed in the background, their log streamed with `since` so no line is read twice.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  deleteService,
  getDeployment,
  getServiceKeys,
  getServiceLogs,
  getServiceMonitor,
  getStatus,
  listComputeTargets,
  listEnvironments,
  listModels,
  listScripts,
  listServices,
  regenerateServiceKey,
  reloadService,
  startDeployment,
  testService
} from './api/client';
import { errorMessage } from './api/request';
import {
  IComputeTarget,
  IDeployment,
  IDeployRequest,
  IEndpointTest,
  IEndpointTestRequest,
  IEnvironment,
  IKeys,
  ILogs,
  IModelGroup,
  IMonitor,
  IReload,
  IScript,
  IService,
  IStatus,
  KeyType
} from './api/types';

/** How often services are re-read while the panel is visible. */
export const SERVICES_POLL_MS = 2000;

/** How often models are re-read while the panel is visible (a notebook or the CLI may register some). */
export const MODELS_POLL_MS = 10000;

/** How often a running deployment is asked for its new log lines. */
export const DEPLOYMENT_POLL_MS = 1000;

/** How many failed reads in a row make a followed deployment count as lost. */
export const DEPLOYMENT_LOST_AFTER = 5;

/**
 * What a one-off call answered, or the sentence saying why it failed: views show either and never catch.
 */
export type Outcome<T> =
  { ok: true; value: T } | { ok: false; message: string };

async function outcomeOf<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
}

/**
 * The latest answer of one GET route, kept between reads.
 *
 * A failed read keeps the last good value (the panel goes on showing it) and sets `error` to the API's
 * sentence. When reads overlap (a poll and a refresh), only the one started last is kept.
 */
export class Reading<T> {
  constructor(
    private readonly _read: () => Promise<T>,
    private _value: T
  ) {}

  /** The last answer read successfully, or the initial value until then. */
  get value(): T {
    return this._value;
  }

  /** Why the last read failed; null when it succeeded. */
  get error(): string | null {
    return this._error;
  }

  /** Whether a read has finished (succeeded or failed) at least once. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Read again; never rejects. */
  async read(): Promise<void> {
    const started = ++this._started;
    const outcome = await outcomeOf(this._read());
    if (started !== this._started) {
      return;
    }
    if (outcome.ok) {
      this._value = outcome.value;
    }
    this._error = outcome.ok ? null : outcome.message;
    this._loaded = true;
  }

  private _error: string | null = null;
  private _loaded = false;
  private _started = 0;
}

/** A deployment followed by this browser: its latest answer and every log line streamed so far. */
export interface ITrackedDeployment {
  /** The latest answer, without its log window (`logStart` stays that of the first answer). */
  deployment: IDeployment;
  /** Every line from the first answer's `logStart` on. */
  log: string[];
}

export class DeploymentsModel implements IDisposable {
  /**
   * @param isVisible tells whether anyone is looking: models and services are polled only then.
   */
  constructor(isVisible: () => boolean) {
    this._polls = [
      this._poll(this.services, SERVICES_POLL_MS, 'services', isVisible, [
        this.monitors
      ]),
      this._poll(this.models, MODELS_POLL_MS, 'models', isVisible)
    ];
  }

  /** Registered models, each with all its versions. */
  readonly models = new Reading<IModelGroup[]>(listModels, []);

  /** Deployed services with their live state. */
  readonly services = new Reading<IService[]>(listServices, []);

  /**
   * Issue 12: each service's monitor (rows collected, request-rate / latency samples), by service name.
   * Read right after each services poll, for the services just read; a service whose monitor could not be
   * read is left out.
   */
  readonly monitors = new Reading<Record<string, IMonitor>>(
    () => this._readMonitors(),
    {}
  );

  /** The package version, the workspace and whether the Docker engine runs. */
  readonly status = new Reading<IStatus | null>(getStatus, null);

  /** Entry scripts the workspace has seen (offered in the Deploy dialog). */
  readonly scripts = new Reading<IScript[]>(listScripts, []);

  /** Environments stored in the workspace (offered in the Deploy dialog). */
  readonly environments = new Reading<IEnvironment[]>(listEnvironments, []);

  /** Issue 13: compute targets attached to the workspace (the Deploy dialog's Target, besides Local Docker). */
  readonly computeTargets = new Reading<IComputeTarget[]>(
    listComputeTargets,
    []
  );

  /** Emitted after any reading was re-read and whenever a followed deployment changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Deployments started from this panel, newest first; one per service name. */
  get deployments(): ITrackedDeployment[] {
    return this._deployments;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Re-read the given readings now, or what the panel shows (status, models, services) when none is given.
   * Resolves once all of them are read; never rejects.
   */
  async refresh(...readings: Reading<unknown>[]): Promise<void> {
    const targets =
      readings.length > 0
        ? readings
        : [this.status, this.models, this.services];
    await Promise.all(targets.map(reading => this._reread(reading)));
  }

  /**
   * Start a deployment and follow it in the background until it succeeds or fails.
   *
   * A request refused before anything starts (400/404/409) comes back as the API's message. The tracked
   * record is updated in place; `changed` fires on every update. It replaces an earlier deployment of the
   * same service name in `deployments`.
   */
  async deploy(request: IDeployRequest): Promise<Outcome<ITrackedDeployment>> {
    const started = await outcomeOf(startDeployment(request));
    if (!started.ok) {
      return started;
    }
    const deployment = started.value;
    const tracked: ITrackedDeployment = {
      deployment: { ...deployment, log: [] },
      log: deployment.log.slice()
    };
    this._deployments = [
      tracked,
      ...this._deployments.filter(
        other => other.deployment.serviceName !== deployment.serviceName
      )
    ];
    this._changed.emit();
    void this._reread(this.services);
    void this._follow(tracked);
    return { ok: true, value: tracked };
  }

  /** Stop showing a finished deployment. */
  dismissDeployment(id: string): void {
    this._deployments = this._deployments.filter(
      tracked => tracked.deployment.id !== id
    );
    this._changed.emit();
  }

  /** Delete a service (its container goes, its models stay); services are re-read right after. */
  async undeploy(name: string): Promise<Outcome<void>> {
    const outcome = await outcomeOf(deleteService(name));
    if (outcome.ok) {
      await this._reread(this.services);
    }
    return outcome;
  }

  /** Serve a service's edited entry script without rebuilding it. */
  reload(name: string): Promise<Outcome<IReload>> {
    return outcomeOf(reloadService(name));
  }

  /** Send a request to a service's scoring endpoint, through the server. */
  testEndpoint(
    name: string,
    request: IEndpointTestRequest
  ): Promise<Outcome<IEndpointTest>> {
    return outcomeOf(testService(name, request));
  }

  /** Issue 13: a service's primary and secondary key. */
  serviceKeys(name: string): Promise<Outcome<IKeys>> {
    return outcomeOf(getServiceKeys(name));
  }

  /** Issue 13: replace one of a service's keys; answers the new pair (the old key stops working). */
  regenerateKey(name: string, keyType: KeyType): Promise<Outcome<IKeys>> {
    return outcomeOf(regenerateServiceKey(name, keyType));
  }

  /** The last `lines` lines of a service's container log. */
  serviceLogs(name: string, lines: number): Promise<Outcome<ILogs>> {
    return outcomeOf(getServiceLogs(name, lines));
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._polls.forEach(poll => poll.dispose());
    Signal.clearData(this);
  }

  private _poll(
    reading: Reading<unknown>,
    interval: number,
    what: string,
    isVisible: () => boolean,
    then: Reading<unknown>[] = []
  ): Poll {
    return new Poll({
      factory: async () => {
        await reading.read();
        await Promise.all(then.map(next => next.read()));
        if (!this._isDisposed) {
          this._changed.emit();
        }
      },
      frequency: { interval, backoff: false },
      standby: () => (isVisible() ? 'when-hidden' : true),
      name: `jupyter-deploy:${what}`
    });
  }

  private async _readMonitors(): Promise<Record<string, IMonitor>> {
    const names = this.services.value.map(service => service.name);
    const outcomes = await Promise.all(
      names.map(name => outcomeOf(getServiceMonitor(name)))
    );
    const monitors: Record<string, IMonitor> = {};
    outcomes.forEach((outcome, index) => {
      if (outcome.ok && outcome.value) {
        monitors[names[index]] = outcome.value;
      }
    });
    return monitors;
  }

  private async _reread(reading: Reading<unknown>): Promise<void> {
    await reading.read();
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private async _follow(tracked: ITrackedDeployment): Promise<void> {
    let failures = 0;
    while (tracked.deployment.status === 'running' && !this._isDisposed) {
      await new Promise(resolve => setTimeout(resolve, DEPLOYMENT_POLL_MS));
      if (this._isDisposed) {
        return;
      }
      const firstLine = tracked.deployment.logStart;
      const update = await outcomeOf(
        getDeployment(tracked.deployment.id, firstLine + tracked.log.length)
      );
      if (update.ok) {
        // The answer holds lines from its `logStart` on; keep what we had before that index.
        const kept = tracked.log.slice(
          0,
          Math.max(0, update.value.logStart - firstLine)
        );
        tracked.log = kept.concat(update.value.log);
        tracked.deployment = { ...update.value, log: [], logStart: firstLine };
        failures = 0;
      } else if (++failures >= DEPLOYMENT_LOST_AFTER) {
        tracked.deployment = {
          ...tracked.deployment,
          status: 'failed',
          error: `Lost track of the deployment: ${update.message}`
        };
      }
      this._changed.emit();
    }
    void this._reread(this.services);
  }

  private _changed = new Signal<this, void>(this);
  private _deployments: ITrackedDeployment[] = [];
  private _polls: Poll[];
  private _isDisposed = false;
}
