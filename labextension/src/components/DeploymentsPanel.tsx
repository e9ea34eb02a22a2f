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

import { IService } from '../api/types';
import { DeploymentsModel } from '../model';
import { openDeployDialog } from './DeployDialog';
import { deployIcon } from './icons';
import { openKeysDialog } from './KeysDialog';
import { ModelsTree } from './ModelsTree';
import { ServicesList } from './ServicesList';
import { openTestDialog } from './TestDialog';

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

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.model.refresh();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <PanelView
            model={this.model}
            onDeploy={() => void this.deploy()}
            onLogs={service => this._openLogs(service.name)}
            onTest={service => void openTestDialog(this.model, service)}
            onKeys={service => void openKeysDialog(this.model, service)}
            onUndeploy={service => void this._undeploy(service)}
          />
        )}
      </UseSignal>
    );
  }

  private async _undeploy(service: IService): Promise<void> {
    const answer = await showDialog({
      title: `Undeploy ${service.name}?`,
      body: `The service's containers are removed; its models stay registered.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Undeploy' })]
    });
    if (!answer.button.accept) {
      return;
    }
    const outcome = await this.model.undeploy(service.name);
    if (!outcome.ok) {
      await showErrorMessage(
        `Could not undeploy ${service.name}`,
        outcome.message
      );
    }
  }

  private _openLogs: (serviceName: string) => void;
}

interface IPanelViewProps {
  model: DeploymentsModel;
  onDeploy: () => void;
  onLogs: (service: IService) => void;
  onTest: (service: IService) => void;
  onKeys: (service: IService) => void;
  onUndeploy: (service: IService) => void;
}

function PanelView(props: IPanelViewProps): JSX.Element {
  const { model } = props;
  const status = model.status.value;
  return (
    <div className="jp-Deploy-panelContent">
      <header className="jp-Deploy-header">
        <h2>Deployments</h2>
        <ToolbarButtonComponent
          icon={refreshIcon}
          tooltip="Refresh models and services"
          onClick={() => void model.refresh()}
        />
      </header>
      {model.status.error && (
        <div className="jp-Deploy-error">{model.status.error}</div>
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
          model={model}
          onLogs={props.onLogs}
          onTest={props.onTest}
          onKeys={props.onKeys}
          onUndeploy={props.onUndeploy}
        />
      </section>

      <section className="jp-Deploy-section">
        <div className="jp-Deploy-sectionHeader">
          <h3>Models</h3>
        </div>
        <ModelsTree groups={model.models} />
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
