/**
 * One deployment's progress: a bar, the phase, and (optionally) its streamed log, kept scrolled to the end.
 */
import * as React from 'react';

import { ITrackedDeployment } from '../model';

export interface IDeploymentProgressProps {
  tracked: ITrackedDeployment;
  showLog: boolean;
}

export function DeploymentProgress(
  props: IDeploymentProgressProps
): JSX.Element {
  const { deployment, log } = props.tracked;
  const logRef = React.useRef<HTMLPreElement>(null);
  React.useEffect(() => {
    if (logRef.current) {
      logRef.current.scrollTop = logRef.current.scrollHeight;
    }
  }, [log.length]);

  const percent = Math.round(
    Math.max(
      0,
      Math.min(1, deployment.status === 'succeeded' ? 1 : deployment.progress)
    ) * 100
  );
  let summary: string;
  if (deployment.status === 'running') {
    summary = `Deploying ${deployment.serviceName}: ${deployment.phase} (${percent}%)`;
  } else if (deployment.status === 'succeeded') {
    summary = `Deployed ${deployment.serviceName} in ${deployment.elapsedSeconds.toFixed(1)} s`;
  } else {
    summary = `Deploying ${deployment.serviceName} failed`;
  }

  return (
    <div
      className="jp-Deploy-progress"
      data-deployment={deployment.id}
      data-status={deployment.status}
    >
      <div className="jp-Deploy-progressSummary">{summary}</div>
      <div
        className="jp-Deploy-progressBar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div
          className="jp-Deploy-progressFill"
          data-status={deployment.status}
          style={{ width: `${percent}%` }}
        />
      </div>
      {deployment.error && (
        <div className="jp-Deploy-error">{deployment.error}</div>
      )}
      {deployment.status === 'succeeded' && deployment.service?.scoringUri && (
        <div className="jp-Deploy-dim">
          Scoring URI: <code>{deployment.service.scoringUri}</code>
        </div>
      )}
      {props.showLog && (
        <pre className="jp-Deploy-log" ref={logRef}>
          {log.join('\n')}
        </pre>
      )}
    </div>
  );
}
