/**
 * One typed function per route of the REST contract (docs/rest-api.md), all through `requestAPI`.
 */
import { jsonBody, requestAPI } from './request';
import {
  IDeployment,
  IDeployRequest,
  IDeployStatus,
  IEndpointTest,
  IEndpointTestRequest,
  IKnownScript,
  IModel,
  IModelDetail,
  IReloadResult,
  IService,
  IServiceLogs,
  IStoredEnvironment
} from './tokens';

const part = encodeURIComponent;

export function listModels(): Promise<IModel[]> {
  return requestAPI<IModel[]>('models');
}

export function getModelVersion(
  name: string,
  version: number
): Promise<IModelDetail> {
  return requestAPI<IModelDetail>(`models/${part(name)}/${version}`);
}

export function listServices(): Promise<IService[]> {
  return requestAPI<IService[]>('services');
}

export async function deleteService(name: string): Promise<void> {
  await requestAPI<void>(`services/${part(name)}`, jsonBody('DELETE'));
}

export function getServiceLogs(
  name: string,
  lines: number
): Promise<IServiceLogs> {
  return requestAPI<IServiceLogs>(`services/${part(name)}/logs?lines=${lines}`);
}

export function reloadService(name: string): Promise<IReloadResult> {
  return requestAPI<IReloadResult>(
    `services/${part(name)}/reload`,
    jsonBody('POST', {})
  );
}

export function testService(
  name: string,
  request: IEndpointTestRequest
): Promise<IEndpointTest> {
  return requestAPI<IEndpointTest>(
    `services/${part(name)}/test`,
    jsonBody('POST', request)
  );
}

export function startDeployment(request: IDeployRequest): Promise<IDeployment> {
  return requestAPI<IDeployment>('deployments', jsonBody('POST', request));
}

export function getDeployment(id: string, since: number): Promise<IDeployment> {
  return requestAPI<IDeployment>(`deployments/${part(id)}?since=${since}`);
}

export function listScripts(): Promise<IKnownScript[]> {
  return requestAPI<IKnownScript[]>('scripts');
}

export function listEnvironments(): Promise<IStoredEnvironment[]> {
  return requestAPI<IStoredEnvironment[]>('environments');
}

export function getStatus(): Promise<IDeployStatus> {
  return requestAPI<IDeployStatus>('status');
}
