/**
 * The Test dialog: edit a request body, send it to a service's scoring endpoint through the server, and see
 * the HTTP status, the response (pretty-printed when it is JSON) and the latency.
 */
import * as React from 'react';

import { ReactWidget } from '@jupyterlab/apputils';

import { testService } from './client';
import { openFormDialog } from './FormDialog';
import { errorMessage } from './request';
import { IEndpointTest, IService } from './tokens';

/** The body Azure's samples send first. */
export const DEFAULT_TEST_BODY = '{"text": "Today is a great day!"}';

export function openTestDialog(service: IService): Promise<void> {
  return openFormDialog(`Test ${service.name}`, new TestForm(service));
}

class TestForm extends ReactWidget {
  constructor(private readonly _service: IService) {
    super();
    this.addClass('jp-Deploy-testForm');
  }

  render(): JSX.Element {
    return <TestFormView service={this._service} />;
  }
}

function TestFormView(props: { service: IService }): JSX.Element {
  const { service } = props;
  const [body, setBody] = React.useState(DEFAULT_TEST_BODY);
  const [repeat, setRepeat] = React.useState('1');
  const [sending, setSending] = React.useState(false);
  const [result, setResult] = React.useState<IEndpointTest | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  const jsonProblem = React.useMemo(() => {
    try {
      JSON.parse(body);
      return null;
    } catch (reason) {
      return `Not valid JSON (${errorMessage(reason)}); it is sent as typed.`;
    }
  }, [body]);
  const repeatCount = Number(repeat);
  const repeatInvalid =
    !Number.isInteger(repeatCount) || repeatCount < 1 || repeatCount > 1000;

  const send = async (event: React.FormEvent) => {
    event.preventDefault();
    if (sending || repeatInvalid) {
      return;
    }
    setSending(true);
    setError(null);
    try {
      setResult(await testService(service.name, { body, repeat: repeatCount }));
    } catch (reason) {
      setResult(null);
      setError(errorMessage(reason));
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="jp-Deploy-form" onSubmit={send}>
      <div className="jp-Deploy-dim">
        POST <code>{service.scoring_uri ?? service.name}</code>
      </div>
      <label className="jp-Deploy-field">
        <span>Request body</span>
        <textarea
          className="jp-mod-styled jp-Deploy-json"
          name="body"
          spellCheck={false}
          rows={6}
          value={body}
          onChange={event => setBody(event.target.value)}
        />
      </label>
      {jsonProblem && <div className="jp-Deploy-warning">{jsonProblem}</div>}
      <div className="jp-Deploy-submitRow">
        <button
          type="submit"
          className="jp-Dialog-button jp-mod-accept jp-mod-styled"
          disabled={sending || repeatInvalid}
        >
          <span className="jp-Dialog-buttonLabel">
            {sending ? 'Sending…' : 'Send'}
          </span>
        </button>
        <label className="jp-Deploy-inline">
          times
          <input
            className="jp-mod-styled jp-Deploy-port"
            name="repeat"
            inputMode="numeric"
            value={repeat}
            onChange={event => setRepeat(event.target.value)}
          />
        </label>
      </div>
      {repeatInvalid && (
        <div className="jp-Deploy-error">
          Send the request from 1 to 1000 times.
        </div>
      )}
      {error && <div className="jp-Deploy-error">{error}</div>}
      {result && <TestResult result={result} />}
    </form>
  );
}

function TestResult(props: { result: IEndpointTest }): JSX.Element {
  const { result } = props;
  const ok = result.status >= 200 && result.status < 300;
  const pretty =
    typeof result.body === 'string'
      ? result.body
      : JSON.stringify(result.body, null, 2);
  return (
    <div className="jp-Deploy-testResult" data-status={result.status}>
      <div className="jp-Deploy-testSummary">
        <span className="jp-Deploy-httpStatus" data-ok={ok}>
          HTTP {result.status}
        </span>
        <span>{result.latency_ms.toFixed(1)} ms</span>
        {result.repeat > 1 && (
          <span className="jp-Deploy-dim">
            {result.repeat} requests: p50 {formatMs(result.p50_ms)}, p90{' '}
            {formatMs(result.p90_ms)}, p99 {formatMs(result.p99_ms)},{' '}
            {result.errors} {result.errors === 1 ? 'error' : 'errors'}
          </span>
        )}
      </div>
      <pre className="jp-Deploy-response">{pretty}</pre>
    </div>
  );
}

function formatMs(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(1)} ms`;
}
