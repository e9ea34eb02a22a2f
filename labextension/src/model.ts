/**
 * What the Deployments panel shows, kept in one place: registered models, services with their live state
 * (polled while the panel is visible) and the deployments this browser started, with their streamed logs.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  getDeployment,
  listModels,
  listServices,
  startDeployment
} from './client';
import { errorMessage } from './request';
import { IDeployment, IDeployRequest, IModel, IService } from './tokens';

/** How often services are re-read while the panel is visible. */
export const SERVICES_POLL_MS = 2000;

/** How often models are re-read while the panel is visible (a notebook or the CLI may register some). */
export const MODELS_POLL_MS = 10000;

/** How often a running deployment is asked for its new log lines. */
export const DEPLOYMENT_POLL_MS = 1000;

/** A deployment followed by this browser: its latest answer and every log line streamed so far. */
export interface ITrackedDeployment {
  deployment: IDeployment;
  log: string[];
}

export class DeploymentsModel implements IDisposable {
  /**
   * @param isVisible tells whether anyone is looking: services are polled only then.
   */
  constructor(isVisible: () => boolean) {
    this._servicesPoll = new Poll({
      factory: () => this.refreshServices(),
      frequency: { interval: SERVICES_POLL_MS, backoff: false },
      standby: () => (isVisible() ? 'when-hidden' : true),
      name: 'jupyter-deploy:services'
    });
    this._modelsPoll = new Poll({
      factory: () => this.refreshModels(),
      frequency: { interval: MODELS_POLL_MS, backoff: false },
      standby: () => (isVisible() ? 'when-hidden' : true),
      name: 'jupyter-deploy:models'
    });
  }

  /** Emitted whenever models, services, errors or a tracked deployment change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get models(): IModel[] {
    return this._models;
  }

  get services(): IService[] {
    return this._services;
  }

  /** Whether models and services have been read at least once (or failed to be). */
  get loaded(): boolean {
    return this._modelsLoaded && this._servicesLoaded;
  }

  /** Why models could not be read, as the API said it; null when they could. */
  get modelsError(): string | null {
    return this._modelsError;
  }

  /** Why services could not be read; null when they could. */
  get servicesError(): string | null {
    return this._servicesError;
  }

  /** Deployments started from this panel, newest first. */
  get deployments(): ITrackedDeployment[] {
    return this._deployments;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Re-read everything now (the panel was shown, or the user asked). */
  async refresh(): Promise<void> {
    await Promise.all([
      this._modelsPoll.refresh(),
      this._servicesPoll.refresh()
    ]);
  }

  async refreshModels(): Promise<void> {
    try {
      this._models = await listModels();
      this._modelsError = null;
    } catch (error) {
      this._modelsError = errorMessage(error);
    }
    this._modelsLoaded = true;
    this._changed.emit();
  }

  async refreshServices(): Promise<void> {
    try {
      this._services = await listServices();
      this._servicesError = null;
    } catch (error) {
      this._servicesError = errorMessage(error);
    }
    this._servicesLoaded = true;
    this._changed.emit();
  }

  /** Forget a service right away after it was deleted, without waiting for the next poll. */
  forgetService(name: string): void {
    this._services = this._services.filter(service => service.name !== name);
    this._changed.emit();
    void this._servicesPoll.refresh();
  }

  /**
   * Start a deployment and follow it in the background until it succeeds or fails.
   *
   * Rejects with the API's message when the request is refused before anything starts (400/404/409).
   * The returned record is updated in place; `changed` fires on every update.
   */
  async deploy(request: IDeployRequest): Promise<ITrackedDeployment> {
    const deployment = await startDeployment(request);
    const tracked: ITrackedDeployment = {
      deployment,
      log: deployment.log.slice()
    };
    this._deployments = [
      tracked,
      ...this._deployments.filter(
        other => other.deployment.service_name !== request.service_name
      )
    ];
    this._changed.emit();
    void this._servicesPoll.refresh();
    void this._follow(tracked);
    return tracked;
  }

  /** Stop showing a finished deployment. */
  dismissDeployment(id: string): void {
    this._deployments = this._deployments.filter(
      tracked => tracked.deployment.id !== id
    );
    this._changed.emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._servicesPoll.dispose();
    this._modelsPoll.dispose();
    Signal.clearData(this);
  }

  private async _follow(tracked: ITrackedDeployment): Promise<void> {
    let failures = 0;
    while (tracked.deployment.status === 'running' && !this._isDisposed) {
      await new Promise(resolve => setTimeout(resolve, DEPLOYMENT_POLL_MS));
      try {
        const update = await getDeployment(
          tracked.deployment.id,
          tracked.deployment.log_start + tracked.log.length
        );
        // Lines from index `log_start` on; keep what we had before that index.
        const kept = tracked.log.slice(
          0,
          Math.max(0, update.log_start - tracked.deployment.log_start)
        );
        tracked.log = kept.concat(update.log);
        tracked.deployment = {
          ...update,
          log: [],
          log_start: tracked.deployment.log_start
        };
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures >= 5) {
          tracked.deployment = {
            ...tracked.deployment,
            status: 'failed',
            error: `Lost track of the deployment: ${errorMessage(error)}`
          };
        }
      }
      this._changed.emit();
    }
    void this._servicesPoll.refresh();
  }

  private _changed = new Signal<this, void>(this);
  private _models: IModel[] = [];
  private _services: IService[] = [];
  private _modelsLoaded = false;
  private _servicesLoaded = false;
  private _modelsError: string | null = null;
  private _servicesError: string | null = null;
  private _deployments: ITrackedDeployment[] = [];
  private _servicesPoll: Poll;
  private _modelsPoll: Poll;
  private _isDisposed = false;
}
