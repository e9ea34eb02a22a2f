/**
 * One typed function per route the panel calls (docs/rest-api.md), all through `requestAPI`.
 *
 * Only `DeploymentsModel` (model.ts) imports this module: views ask the model, which keeps what was read.
 */
import { jsonBody, requestAPI } from './request';
import * as types from './types';

const part = encodeURIComponent;

export function listModels(): Promise<types.IModelGroup[]> {
  return requestAPI<types.IModelGroup[]>('models');
}

export function listServices(): Promise<types.IService[]> {
  return requestAPI<types.IService[]>('services');
}

export async function deleteService(name: string): Promise<void> {
  await requestAPI<void>(`services/${part(name)}`, jsonBody('DELETE'));
}

export function getServiceLogs(
  name: string,
  lines: number
): Promise<types.ILogs> {
  return requestAPI<types.ILogs>(`services/${part(name)}/logs?lines=${lines}`);
}

export function reloadService(name: string): Promise<types.IReload> {
  return requestAPI<types.IReload>(
    `services/${part(name)}/reload`,
    jsonBody('POST', {})
  );
}

/** Issue 12: rows collected and the request-rate / latency series; each call adds one sample. */
export function getServiceMonitor(name: string): Promise<types.IMonitor> {
  return requestAPI<types.IMonitor>(`services/${part(name)}/monitor`);
}

export function testService(
  name: string,
  request: types.IEndpointTestRequest
): Promise<types.IEndpointTest> {
  return requestAPI<types.IEndpointTest>(
    `services/${part(name)}/test`,
    jsonBody('POST', request)
  );
}

/** Issue 13: the service's primary and secondary key (400 when it has key auth off). */
export function getServiceKeys(name: string): Promise<types.IKeys> {
  return requestAPI<types.IKeys>(`services/${part(name)}/keys`);
}

/** Issue 13: a new `keyType` key; answers the new pair. */
export function regenerateServiceKey(
  name: string,
  keyType: types.KeyType
): Promise<types.IKeys> {
  return requestAPI<types.IKeys>(
    `services/${part(name)}/keys`,
    jsonBody('POST', { keyType })
  );
}

/** Issue 13: the compute targets attached to the workspace (Deploy dialog's Target). */
export function listComputeTargets(): Promise<types.IComputeTarget[]> {
  return requestAPI<types.IComputeTarget[]>('computeTargets');
}

export function startDeployment(
  request: types.IDeployRequest
): Promise<types.IDeployment> {
  return requestAPI<types.IDeployment>(
    'deployments',
    jsonBody('POST', request)
  );
}

/** The deployment with its log lines from index `since` on. */
export function getDeployment(
  id: string,
  since: number
): Promise<types.IDeployment> {
  return requestAPI<types.IDeployment>(
    `deployments/${part(id)}?since=${since}`
  );
}

export function listScripts(): Promise<types.IScript[]> {
  return requestAPI<types.IScript[]>('scripts');
}

export function listEnvironments(): Promise<types.IEnvironment[]> {
  return requestAPI<types.IEnvironment[]>('environments');
}

export function getStatus(): Promise<types.IStatus> {
  return requestAPI<types.IStatus>('status');
}
