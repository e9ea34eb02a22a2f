/**
 * REST answers and requests in the shapes of jupyter_deploy/shapes.py, shared by the unit tests.
 */
import {
  IComputeTarget,
  IDeployment,
  IDeployRequest,
  IModelGroup,
  IService
} from '../api/types';

/** A deployed service as `GET services` answers it. */
export function service(
  name: string,
  state: IService['state'] = 'Healthy'
): IService {
  return {
    name,
    state,
    computeType: 'Local',
    scoringUri: 'http://127.0.0.1:32768/score',
    swaggerUri: null,
    port: 32768,
    imageId: 'sha256:abc',
    models: ['greeting:1'],
    entryScript: 'score.py',
    createdTime: '2024-01-01T00:00:00+00:00',
    error: null,
    containerId: 'c0ffee'
  };
}

/** A registered model with the given versions, as `GET models` answers it. */
export function modelGroup(name: string, versions: number[]): IModelGroup {
  return {
    name,
    latestVersion: Math.max(...versions),
    versions: versions.map(version => ({
      id: `${name}:${version}`,
      name,
      version,
      description: null,
      tags: {},
      properties: {},
      framework: null,
      frameworkVersion: null,
      createdTime: '2024-01-01T00:00:00+00:00',
      path: `/ws/models/${name}/${version}`,
      files: [{ path: 'models/greeting.txt', size: 6, sha256: 'ab' }]
    }))
  };
}

/** A deployment as `GET deployments/{id}` answers it: running, no log yet, unless `changes` say otherwise. */
export function deployment(changes: Partial<IDeployment> = {}): IDeployment {
  return {
    id: 'd1',
    serviceName: 'echo',
    status: 'running',
    phase: 'validating',
    progress: 0,
    log: [],
    logStart: 0,
    logTotal: 0,
    error: null,
    service: null,
    startedTime: '2024-01-01T00:00:00+00:00',
    elapsedSeconds: 0,
    ...changes
  };
}

/** What the Deploy dialog sends for one model, an entry script and a name: every field, camelCase. */
export const ECHO_REQUEST: IDeployRequest = {
  serviceName: 'echo',
  models: ['greeting:1'],
  entryScript: 'score.py',
  sourceDirectory: null,
  environment: null,
  condaFile: null,
  requirementsFile: null,
  port: null,
  overwrite: false,
  collectModelData: false,
  computeTarget: null,
  replicas: null,
  authEnabled: null
};

/** What the Deploy dialog sends for the same form with the compute target `local-swarm` chosen (issue 13). */
export const SWARM_REQUEST: IDeployRequest = {
  ...ECHO_REQUEST,
  computeTarget: 'local-swarm',
  replicas: 1,
  authEnabled: true
};

/** An attached swarm, as `GET computeTargets` answers it. */
export const SWARM_TARGET: IComputeTarget = {
  name: 'local-swarm',
  type: 'swarm',
  createdTime: '2024-01-01T00:00:00+00:00',
  swarmId: 'abc',
  nodeAddr: '127.0.0.1'
};
