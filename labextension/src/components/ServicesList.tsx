/**
 * Web services with their live state, where each runs (Local Docker, or a compute target with its replicas)
 * and what can be done with each: Reload, Logs, Test, Keys (with key auth on), Undeploy.
 * Deployments started from this panel are shown above them until dismissed.
 */
import * as React from 'react';

import { Button } from '@jupyterlab/ui-components';

import { IMonitor, IService } from '../api/types';
import { DeploymentsModel } from '../model';
import { DeploymentProgress } from './DeploymentProgress';
import {
  SPARKLINE_HEIGHT,
  SPARKLINE_WIDTH,
  sparklinePath,
  sparklineTitle
} from '../sparkline';
import { StateBadge } from './StateBadge';

export interface IServicesListProps {
  model: DeploymentsModel;
  onLogs: (service: IService) => void;
  onTest: (service: IService) => void;
  onKeys: (service: IService) => void;
  onUndeploy: (service: IService) => void;
}

export function ServicesList(props: IServicesListProps): JSX.Element {
  const { model } = props;
  const services = model.services;
  return (
    <div className="jp-Deploy-services">
      {model.deployments.map(tracked => (
        <div className="jp-Deploy-tracked" key={tracked.deployment.id}>
          <DeploymentProgress tracked={tracked} showLog={false} />
          {tracked.deployment.status !== 'running' && (
            <Button
              small
              minimal
              title="Stop showing this deployment"
              onClick={() => model.dismissDeployment(tracked.deployment.id)}
            >
              Dismiss
            </Button>
          )}
        </div>
      ))}
      {services.error && (
        <div className="jp-Deploy-error">{services.error}</div>
      )}
      {!services.error && !services.loaded && (
        <div className="jp-Deploy-empty">Loading services…</div>
      )}
      {!services.error && services.loaded && services.value.length === 0 && (
        <div className="jp-Deploy-empty">
          No service running. Deploy a model to start one.
        </div>
      )}
      <ul className="jp-Deploy-serviceList">
        {services.value.map(service => (
          <ServiceItem key={service.name} service={service} {...props} />
        ))}
      </ul>
    </div>
  );
}

/** What the last Reload said: how long it took, or why the new script was refused. */
interface IReloadOutcome {
  ok: boolean;
  text: string;
}

/** One button under a service. */
interface IServiceAction {
  label: string;
  /** The tooltip, which says what the action does. */
  title: string;
  onClick: () => void;
  disabled?: boolean;
}

/** Where a service runs, in a few words: "Local Docker", or "on local-swarm · 2 replicas". */
function placement(service: IService): string {
  if (!service.computeTarget) {
    return 'Local Docker';
  }
  const replicas = service.replicas ?? 1;
  return `on ${service.computeTarget} · ${replicas} ${replicas === 1 ? 'replica' : 'replicas'}`;
}

function ServiceItem(
  props: IServicesListProps & { service: IService }
): JSX.Element {
  const { model, service } = props;
  const [reloading, setReloading] = React.useState(false);
  const [reload, setReload] = React.useState<IReloadOutcome | null>(null);

  const doReload = async () => {
    setReloading(true);
    setReload(null);
    const outcome = await model.reload(service.name);
    setReload(
      outcome.ok
        ? {
            ok: true,
            text: `Reloaded in ${outcome.value.seconds.toFixed(2)} s`
          }
        : { ok: false, text: outcome.message }
    );
    setReloading(false);
  };

  const actions: IServiceAction[] = [
    {
      label: reloading ? 'Reloading…' : 'Reload',
      title: 'Serve the edited entry script without rebuilding',
      onClick: () => void doReload(),
      disabled: reloading
    },
    {
      label: 'Logs',
      title: "Show the container's log",
      onClick: () => props.onLogs(service)
    },
    {
      label: 'Test',
      title: 'Send a request to the scoring endpoint',
      onClick: () => props.onTest(service)
    },
    ...(service.authEnabled
      ? [
          {
            label: 'Keys',
            title: 'Show, copy or regenerate the keys /score needs',
            onClick: () => props.onKeys(service)
          }
        ]
      : []),
    {
      label: 'Undeploy',
      title: 'Delete the service and its containers',
      onClick: () => props.onUndeploy(service)
    }
  ];

  return (
    <li className="jp-Deploy-service" data-service={service.name}>
      <div className="jp-Deploy-serviceHeader">
        <span className="jp-Deploy-serviceName">{service.name}</span>
        <StateBadge state={service.state} />
      </div>
      <div className="jp-Deploy-dim">
        {service.models.join(', ')}
        {service.entryScript ? ` · ${service.entryScript}` : ''}
      </div>
      <div
        className="jp-Deploy-dim jp-Deploy-placement"
        data-target={service.computeTarget ?? ''}
        data-replicas={service.replicas ?? ''}
      >
        {placement(service)}
        {service.authEnabled ? ' · key auth' : ''}
      </div>
      {service.scoringUri && (
        <div className="jp-Deploy-uri">
          <a href={service.scoringUri} target="_blank" rel="noreferrer">
            {service.scoringUri}
          </a>
        </div>
      )}
      {service.error && <div className="jp-Deploy-error">{service.error}</div>}
      <MonitorLine monitor={model.monitors.value[service.name]} />
      <div className="jp-Deploy-actions">
        {actions.map(action => (
          <Button
            key={action.title}
            small
            minimal
            disabled={action.disabled}
            onClick={action.onClick}
            title={action.title}
          >
            {action.label}
          </Button>
        ))}
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

/** Issue 12: a request-rate sparkline (p99 latency in its tooltip) and, with collection on, the rows collected. */
function MonitorLine(props: {
  monitor: IMonitor | undefined;
}): JSX.Element | null {
  const { monitor } = props;
  if (!monitor) {
    return null;
  }
  const rates = monitor.samples.map(sample => sample.requestRate);
  return (
    <div className="jp-Deploy-monitor jp-Deploy-dim">
      {rates.length > 0 && (
        <svg
          className="jp-Deploy-sparkline"
          width={SPARKLINE_WIDTH}
          height={SPARKLINE_HEIGHT}
          viewBox={`-1 -1 ${SPARKLINE_WIDTH + 2} ${SPARKLINE_HEIGHT + 2}`}
          role="img"
          aria-label="Request rate"
        >
          <title>{sparklineTitle(monitor.samples)}</title>
          <path
            d={sparklinePath(rates)}
            fill="none"
            stroke="var(--jp-brand-color1)"
            strokeWidth={1.5}
          />
        </svg>
      )}
      {monitor.collectModelData && (
        <span className="jp-Deploy-rows" data-rows={monitor.rowsCollected}>
          {monitor.rowsCollected} rows collected
        </span>
      )}
    </div>
  );
}
