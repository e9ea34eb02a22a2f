/**
 * The Deployments side panel: the Docker engine's status, registered models, services and their actions.
 */
import * as React from 'react';

import {
  Dialog,
  ReactWidget,
  showDialog,
  showErrorMessage,
  UseSignal
} from '@jupyterlab/apputils';
import {
  Button,
  refreshIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';

import { deleteService, getStatus } from './client';
import { openDeployDialog } from './DeployDialog';
import { deployIcon } from './icons';
import { DeploymentsModel } from './model';
import { ModelsTree } from './ModelsTree';
import { errorMessage } from './request';
import { ServicesList } from './ServicesList';
import { openTestDialog } from './TestDialog';
import { IDeployStatus, IService } from './tokens';

export const PANEL_ID = 'jupyter-deploy-panel';

export interface IDeploymentsPanelOptions {
  /** Show a service's log (in the main area). */
  openLogs: (serviceName: string) => void;
}

export class DeploymentsPanel extends ReactWidget {
  constructor(options: IDeploymentsPanelOptions) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-Deploy-panel');
    this.title.icon = deployIcon;
    this.title.caption = 'Deployments';
    this.model = new DeploymentsModel(() => this.isVisible);
    this._openLogs = options.openLogs;
  }

  readonly model: DeploymentsModel;

  /** Open the Deploy dialog. */
  deploy(): Promise<void> {
    return openDeployDialog(this.model);
  }

  /** Re-read the engine status, models and services. */
  async refresh(): Promise<void> {
    await Promise.all([this._refreshStatus(), this.model.refresh()]);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <PanelView
            model={this.model}
            status={this._status}
            statusError={this._statusError}
            onDeploy={() => void this.deploy()}
            onRefresh={() => void this.refresh()}
            onLogs={service => this._openLogs(service.name)}
            onTest={service => void openTestDialog(service)}
            onUndeploy={service => void this._undeploy(service)}
          />
        )}
      </UseSignal>
    );
  }

  private async _refreshStatus(): Promise<void> {
    try {
      this._status = await getStatus();
      this._statusError = null;
    } catch (error) {
      this._statusError = errorMessage(error);
    }
    this.update();
  }

  private async _undeploy(service: IService): Promise<void> {
    const answer = await showDialog({
      title: `Undeploy ${service.name}?`,
      body: `The service's container is removed; its models stay registered.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Undeploy' })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await deleteService(service.name);
      this.model.forgetService(service.name);
    } catch (error) {
      await showErrorMessage(
        `Could not undeploy ${service.name}`,
        errorMessage(error)
      );
    }
  }

  private _openLogs: (serviceName: string) => void;
  private _status: IDeployStatus | null = null;
  private _statusError: string | null = null;
}

interface IPanelViewProps {
  model: DeploymentsModel;
  status: IDeployStatus | null;
  statusError: string | null;
  onDeploy: () => void;
  onRefresh: () => void;
  onLogs: (service: IService) => void;
  onTest: (service: IService) => void;
  onUndeploy: (service: IService) => void;
}

function PanelView(props: IPanelViewProps): JSX.Element {
  const { model, status } = props;
  return (
    <div className="jp-Deploy-panelContent">
      <header className="jp-Deploy-header">
        <h2>Deployments</h2>
        <ToolbarButtonComponent
          icon={refreshIcon}
          tooltip="Refresh models and services"
          onClick={props.onRefresh}
        />
      </header>
      {props.statusError && (
        <div className="jp-Deploy-error">{props.statusError}</div>
      )}
      {status && !status.docker.running && (
        <div className="jp-Deploy-warning">
          Docker engine not running
          {status.docker.message ? `: ${status.docker.message}` : '.'}
        </div>
      )}

      <section className="jp-Deploy-section">
        <div className="jp-Deploy-sectionHeader">
          <h3>Services</h3>
          <Button
            small
            className="jp-Deploy-deployButton"
            onClick={props.onDeploy}
          >
            Deploy…
          </Button>
        </div>
        <ServicesList
          services={model.services}
          error={model.servicesError}
          loaded={model.loaded}
          deployments={model.deployments}
          onDismissDeployment={id => model.dismissDeployment(id)}
          onLogs={props.onLogs}
          onTest={props.onTest}
          onUndeploy={props.onUndeploy}
        />
      </section>

      <section className="jp-Deploy-section">
        <div className="jp-Deploy-sectionHeader">
          <h3>Models</h3>
        </div>
        <ModelsTree
          models={model.models}
          error={model.modelsError}
          loaded={model.loaded}
        />
      </section>

      {status && (
        <footer
          className="jp-Deploy-footer jp-Deploy-dim"
          title={status.workspace}
        >
          jupyter-deploy {status.version} · workspace {status.workspace}
        </footer>
      )}
    </div>
  );
}
