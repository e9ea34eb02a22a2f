/**
 * A service's container log in a main-area tab, re-read on demand or every few seconds while "Follow" is on.
 */
import * as React from 'react';

import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import { Button } from '@jupyterlab/ui-components';

import { DeploymentsModel } from '../model';
import { deployIcon } from './icons';

const LINE_CHOICES = [50, 200, 1000, 5000];
const FOLLOW_MS = 2000;

/** A main-area widget showing `GET services/{name}/logs`. */
export function createLogsViewer(
  model: DeploymentsModel,
  serviceName: string
): MainAreaWidget<LogsView> {
  const content = new LogsView(model, serviceName);
  const widget = new MainAreaWidget({ content });
  widget.id = `jupyter-deploy-logs-${serviceName}`;
  widget.title.label = `Logs: ${serviceName}`;
  widget.title.icon = deployIcon;
  widget.title.closable = true;
  return widget;
}

export class LogsView extends ReactWidget {
  constructor(
    private readonly _model: DeploymentsModel,
    readonly serviceName: string
  ) {
    super();
    this.addClass('jp-Deploy-logsView');
  }

  render(): JSX.Element {
    return (
      <LogsContent
        model={this._model}
        serviceName={this.serviceName}
        isVisible={() => this.isVisible}
      />
    );
  }
}

function LogsContent(props: {
  model: DeploymentsModel;
  serviceName: string;
  isVisible: () => boolean;
}): JSX.Element {
  const [lines, setLines] = React.useState(200);
  const [follow, setFollow] = React.useState(false);
  const [logs, setLogs] = React.useState<string | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [readAt, setReadAt] = React.useState<Date | null>(null);
  const preRef = React.useRef<HTMLPreElement>(null);

  const read = React.useCallback(async () => {
    const outcome = await props.model.serviceLogs(props.serviceName, lines);
    if (outcome.ok) {
      setLogs(outcome.value.logs);
    }
    setError(outcome.ok ? null : outcome.message);
    setReadAt(new Date());
  }, [props.model, props.serviceName, lines]);

  React.useEffect(() => {
    void read();
  }, [read]);

  React.useEffect(() => {
    if (!follow) {
      return;
    }
    const timer = setInterval(() => {
      if (props.isVisible()) {
        void read();
      }
    }, FOLLOW_MS);
    return () => clearInterval(timer);
  }, [follow, read]);

  React.useEffect(() => {
    if (preRef.current) {
      preRef.current.scrollTop = preRef.current.scrollHeight;
    }
  }, [logs]);

  return (
    <div className="jp-Deploy-logsContent">
      <div className="jp-Deploy-logsToolbar">
        <Button small onClick={() => void read()}>
          Refresh
        </Button>
        <label className="jp-Deploy-inline">
          Last
          <select
            className="jp-mod-styled"
            value={lines}
            onChange={event => setLines(Number(event.target.value))}
          >
            {LINE_CHOICES.map(choice => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </select>
          lines
        </label>
        <label className="jp-Deploy-inline">
          <input
            type="checkbox"
            checked={follow}
            onChange={event => setFollow(event.target.checked)}
          />
          Follow
        </label>
        {readAt && (
          <span className="jp-Deploy-dim">
            read at {readAt.toLocaleTimeString()}
          </span>
        )}
      </div>
      {error && <div className="jp-Deploy-error">{error}</div>}
      <pre
        className="jp-Deploy-logs"
        ref={preRef}
        data-service={props.serviceName}
      >
        {logs === null ? 'Reading…' : logs || '(the log is empty)'}
      </pre>
    </div>
  );
}
