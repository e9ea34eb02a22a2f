/**
 * The Test dialog: edit a request body, send it to a service's scoring endpoint through the server, and see
 * the HTTP status, the response (pretty-printed when it is JSON) and the latency.
 */
import * as React from 'react';

import { IEndpointTest, IService } from '../api/types';
import { DeploymentsModel } from '../model';
import { openFormDialog } from './FormDialog';

/** The body Azure's samples send first. */
export const DEFAULT_TEST_BODY = '{"text": "Today is a great day!"}';

/** The most times the dialog sends one request (the server allows more; long runs suit `%%test_endpoint`). */
const MAX_REPEAT = 1000;

export function openTestDialog(
  model: DeploymentsModel,
  service: IService
): Promise<void> {
  return openFormDialog(
    `Test ${service.name}`,
    <TestForm model={model} service={service} />
  );
}

/** Why `body` is not JSON, as a warning (it is sent anyway); null when it is JSON. */
function jsonWarning(body: string): string | null {
  try {
    JSON.parse(body);
    return null;
  } catch (reason) {
    // JSON.parse throws only SyntaxError.
    return `Not valid JSON (${(reason as SyntaxError).message}); it is sent as typed.`;
  }
}

function TestForm(props: {
  model: DeploymentsModel;
  service: IService;
}): JSX.Element {
  const { model, service } = props;
  const [body, setBody] = React.useState(DEFAULT_TEST_BODY);
  const [repeat, setRepeat] = React.useState('1');
  const [sending, setSending] = React.useState(false);
  const [result, setResult] = React.useState<IEndpointTest | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  const warning = React.useMemo(() => jsonWarning(body), [body]);
  const repeatCount = Number(repeat);
  const repeatInvalid =
    !Number.isInteger(repeatCount) ||
    repeatCount < 1 ||
    repeatCount > MAX_REPEAT;

  const send = async (event: React.FormEvent) => {
    event.preventDefault();
    if (sending || repeatInvalid) {
      return;
    }
    setSending(true);
    setError(null);
    const outcome = await model.testEndpoint(service.name, {
      body,
      repeat: repeatCount
    });
    setResult(outcome.ok ? outcome.value : null);
    setError(outcome.ok ? null : outcome.message);
    setSending(false);
  };

  return (
    <form className="jp-Deploy-form" onSubmit={send}>
      <div className="jp-Deploy-dim">
        POST <code>{service.scoringUri ?? service.name}</code>
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
      {warning && <div className="jp-Deploy-warning">{warning}</div>}
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
          Send the request from 1 to {MAX_REPEAT} times.
        </div>
      )}
      {error && <div className="jp-Deploy-error">{error}</div>}
      {result && <TestResult result={result} />}
    </form>
  );
}

function TestResult(props: { result: IEndpointTest }): JSX.Element {
  const { result } = props;
  const ok =
    result.status !== null && result.status >= 200 && result.status < 300;
  const pretty =
    typeof result.body === 'string'
      ? result.body
      : JSON.stringify(result.body, null, 2);
  return (
    <div className="jp-Deploy-testResult" data-status={result.status ?? ''}>
      <div className="jp-Deploy-testSummary">
        <span className="jp-Deploy-httpStatus" data-ok={ok}>
          {result.status === null ? 'No answer' : `HTTP ${result.status}`}
        </span>
        <span>{formatMs(result.latencyMs)}</span>
        {result.repeat > 1 && (
          <span className="jp-Deploy-dim">
            {result.repeat} requests: p50 {formatMs(result.p50Ms)}, p90{' '}
            {formatMs(result.p90Ms)}, p99 {formatMs(result.p99Ms)},{' '}
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
