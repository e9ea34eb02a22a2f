/**
 * Local web services with their live state and what can be done with each: Reload, Logs, Test, Undeploy.
 */
import * as React from 'react';

import { Button } from '@jupyterlab/ui-components';

import { reloadService } from './client';
import { DeploymentProgress } from './DeploymentProgress';
import { ITrackedDeployment } from './model';
import { errorMessage } from './request';
import { StateBadge } from './StateBadge';
import { IService } from './tokens';

export interface IServicesListProps {
  services: IService[];
  error: string | null;
  loaded: boolean;
  /** Deployments started from this panel, shown above the services until dismissed. */
  deployments: ITrackedDeployment[];
  onDismissDeployment: (id: string) => void;
  onLogs: (service: IService) => void;
  onTest: (service: IService) => void;
  onUndeploy: (service: IService) => void;
}

export function ServicesList(props: IServicesListProps): JSX.Element {
  return (
    <div className="jp-Deploy-services">
      {props.deployments.map(tracked => (
        <div className="jp-Deploy-tracked" key={tracked.deployment.id}>
          <DeploymentProgress tracked={tracked} showLog={false} />
          {tracked.deployment.status !== 'running' && (
            <Button
              small
              minimal
              title="Stop showing this deployment"
              onClick={() => props.onDismissDeployment(tracked.deployment.id)}
            >
              Dismiss
            </Button>
          )}
        </div>
      ))}
      {props.error && <div className="jp-Deploy-error">{props.error}</div>}
      {!props.error && !props.loaded && (
        <div className="jp-Deploy-empty">Loading services…</div>
      )}
      {!props.error && props.loaded && props.services.length === 0 && (
        <div className="jp-Deploy-empty">
          No service running. Deploy a model to start one.
        </div>
      )}
      <ul className="jp-Deploy-serviceList">
        {props.services.map(service => (
          <ServiceItem key={service.name} service={service} {...props} />
        ))}
      </ul>
    </div>
  );
}

interface IServiceItemProps extends IServicesListProps {
  service: IService;
}

/** What the last Reload said: how long it took, or why the new script was refused. */
interface IReloadOutcome {
  ok: boolean;
  text: string;
}

function ServiceItem(props: IServiceItemProps): JSX.Element {
  const { service } = props;
  const [reloading, setReloading] = React.useState(false);
  const [reload, setReload] = React.useState<IReloadOutcome | null>(null);

  const doReload = async () => {
    setReloading(true);
    setReload(null);
    try {
      const result = await reloadService(service.name);
      setReload({
        ok: true,
        text: `Reloaded in ${result.seconds.toFixed(2)} s`
      });
    } catch (error) {
      setReload({ ok: false, text: errorMessage(error) });
    } finally {
      setReloading(false);
    }
  };

  return (
    <li className="jp-Deploy-service" data-service={service.name}>
      <div className="jp-Deploy-serviceHeader">
        <span className="jp-Deploy-serviceName">{service.name}</span>
        <StateBadge state={service.state} />
      </div>
      <div className="jp-Deploy-dim">
        {service.models.join(', ')}
        {service.entry_script ? ` · ${service.entry_script}` : ''}
      </div>
      {service.scoring_uri && (
        <div className="jp-Deploy-uri">
          <a href={service.scoring_uri} target="_blank" rel="noreferrer">
            {service.scoring_uri}
          </a>
        </div>
      )}
      {service.error && <div className="jp-Deploy-error">{service.error}</div>}
      <div className="jp-Deploy-actions">
        <Button
          small
          minimal
          disabled={reloading}
          onClick={doReload}
          title="Serve the edited entry script without rebuilding"
        >
          {reloading ? 'Reloading…' : 'Reload'}
        </Button>
        <Button
          small
          minimal
          onClick={() => props.onLogs(service)}
          title="Show the container's log"
        >
          Logs
        </Button>
        <Button
          small
          minimal
          onClick={() => props.onTest(service)}
          title="Send a request to the scoring endpoint"
        >
          Test
        </Button>
        <Button
          small
          minimal
          onClick={() => props.onUndeploy(service)}
          title="Delete the service and its container"
        >
          Undeploy
        </Button>
      </div>
      {reload && (
        <div
          className={reload.ok ? 'jp-Deploy-note' : 'jp-Deploy-error'}
          data-reload={reload.ok ? 'ok' : 'failed'}
        >
          {reload.text}
        </div>
      )}
    </li>
  );
}
