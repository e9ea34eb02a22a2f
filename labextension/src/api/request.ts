import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The server extension's REST namespace, under the server's base URL. */
export const API_NAMESPACE = 'jupyter-deploy/api';

/**
 * Call the jupyter-deploy server extension and return the decoded JSON answer.
 *
 * A failed call throws `ServerConnection.ResponseError` whose message is the API's own `{message}`
 * sentence, so callers can show it to the user as is.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }

  const text = await response.text();
  let data: any = text;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON: a proxy or the server's HTML error page; reported by status below.
    }
  }

  if (!response.ok) {
    throw new ServerConnection.ResponseError(
      response,
      failureMessage(response, data)
    );
  }
  return data as T;
}

/** The sentence to show for a failed API call. */
function failureMessage(response: Response, data: any): string {
  if (data && typeof data === 'object' && typeof data.message === 'string') {
    return data.message;
  }
  if (response.status === 404) {
    return 'The jupyter-deploy server extension is not answering (404): is it installed and enabled in this Jupyter server?';
  }
  return `The jupyter-deploy server answered ${response.status} ${response.statusText}.`.trim();
}

/** What to tell the user about anything a call threw: the API's sentence, never a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** A JSON request body for `requestAPI`. */
export function jsonBody(method: string, body?: unknown): RequestInit {
  return body === undefined
    ? { method }
    : { method, body: JSON.stringify(body) };
}
