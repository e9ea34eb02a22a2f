/**
 * requestAPI over a mocked `ServerConnection.makeRequest`: where it sends a call, and the one sentence a
 * failed call turns into (the API's own `{message}`, or what the status means).
 */
import { ServerConnection } from '@jupyterlab/services';

import { errorMessage, jsonBody, requestAPI } from '../api/request';

const settings = ServerConnection.makeSettings({
  baseUrl: 'http://127.0.0.1:8888/lab-base/'
});

/** What `fetch` would answer, as much of it as requestAPI reads. */
function answer(status: number, text: string, statusText = ''): Response {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText,
    text: async () => text
  } as Response;
}

let makeRequest: jest.SpiedFunction<typeof ServerConnection.makeRequest>;

beforeEach(() => {
  makeRequest = jest.spyOn(ServerConnection, 'makeRequest');
});

afterEach(() => {
  makeRequest.mockRestore();
});

describe('requestAPI', () => {
  it("calls the route under the server's base URL and decodes the JSON answer", async () => {
    makeRequest.mockResolvedValue(answer(202, '{"id": "d1", "logStart": 0}'));
    const init = jsonBody('POST', { serviceName: 'echo' });

    const data = await requestAPI<{ id: string; logStart: number }>(
      'deployments',
      init,
      settings
    );
    expect(data).toEqual({ id: 'd1', logStart: 0 });
    expect(makeRequest).toHaveBeenCalledWith(
      'http://127.0.0.1:8888/lab-base/jupyter-deploy/api/deployments',
      { method: 'POST', body: '{"serviceName":"echo"}' },
      settings
    );
  });

  it('answers an empty body (204) as it is', async () => {
    makeRequest.mockResolvedValue(answer(204, ''));
    await expect(
      requestAPI<void>('services/echo', jsonBody('DELETE'), settings)
    ).resolves.toBe('');
  });

  it("rejects with the API's own message", async () => {
    makeRequest.mockResolvedValue(
      answer(409, '{"message": "The service echo exists."}', 'Conflict')
    );
    const failure = requestAPI('deployments', {}, settings);
    await expect(failure).rejects.toBeInstanceOf(
      ServerConnection.ResponseError
    );
    await expect(failure).rejects.toThrow('The service echo exists.');
  });

  it('says the server extension is missing when the namespace is not found', async () => {
    makeRequest.mockResolvedValue(answer(404, '<html>Not Found</html>'));
    const failure = requestAPI('status', {}, settings);
    await expect(failure).rejects.toThrow(/server extension is not answering/);
  });

  it('names the status of any other answer without a message', async () => {
    makeRequest.mockResolvedValue(answer(502, 'Bad Gateway', 'Bad Gateway'));
    await expect(requestAPI('status', {}, settings)).rejects.toThrow(
      'The jupyter-deploy server answered 502 Bad Gateway.'
    );
  });

  it('turns a connection that failed into a NetworkError', async () => {
    makeRequest.mockRejectedValue(new TypeError('Failed to fetch'));
    const failure = requestAPI('status', {}, settings);
    await expect(failure).rejects.toBeInstanceOf(ServerConnection.NetworkError);
    await expect(failure).rejects.toThrow('Failed to fetch');
  });
});

describe('errorMessage', () => {
  it("is an error's message, or the thrown thing as text", () => {
    expect(errorMessage(new Error('No such model.'))).toBe('No such model.');
    expect(errorMessage('plain')).toBe('plain');
  });
});
