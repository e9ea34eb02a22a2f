/**
 * The JSON shapes of the jupyter-deploy REST API (docs/rest-api.md).
 *
 * Each answer type mirrors one pydantic model of jupyter_deploy/shapes.py field by field, with the camelCase
 * keys those models put on the wire; the two request bodies mirror the server's `DeployRequest` and
 * `EndpointTestRequest` (jupyter_deploy/server/). When a shape changes in Python, it changes here in the same
 * commit.
 */

/** Mirrors `ModelFileShape`: a file inside a model version, as hashed at registration. */
export interface IModelFile {
  path: string;
  size: number;
  sha256: string;
}

/** Mirrors `ModelShape`: one registered model version, with its files (`GET models/{name}/{version}`). */
export interface IModel {
  /** `name:version`, as services and deploy requests name it. */
  id: string;
  name: string;
  version: number;
  description: string | null;
  tags: Record<string, string>;
  properties: Record<string, string>;
  framework: string | null;
  frameworkVersion: string | null;
  createdTime: string;
  /** The version folder in the workspace. */
  path: string;
  files: IModelFile[];
}

/** Mirrors `ModelGroupShape`: a model name with all its versions, newest first (`GET models`). */
export interface IModelGroup {
  name: string;
  latestVersion: number;
  versions: IModel[];
}

/** Mirrors `ServiceState`. */
export type ServiceState = 'Transitioning' | 'Healthy' | 'Unhealthy' | 'Failed';

/** Mirrors `ServiceShape`: a deployed web service, its `state` read live from the engine. */
export interface IService {
  name: string;
  state: ServiceState;
  computeType: string;
  scoringUri: string | null;
  swaggerUri: string | null;
  port: number | null;
  imageId: string | null;
  /** Model ids (`name:version`). */
  models: string[];
  entryScript: string | null;
  createdTime: string | null;
  /** Why the service failed; null while it has not. */
  error: string | null;
  containerId: string | null;
  /** The runtime's supervised workers (issue 9); absent or null while the service does not answer /ready. */
  workers?: IWorkers | null;
  /** Issue 13: the attached compute target it runs on; absent on Local Docker. */
  computeTarget?: string | null;
  /** Issue 13: how many replicas run it on its compute target; absent on Local Docker. */
  replicas?: number | null;
  /** Issue 13: whether `/score` needs one of its keys (`GET services/{name}/keys`). */
  authEnabled?: boolean | null;
}

/** Mirrors `WorkerDeathShape`: the last worker that died in the service's container. */
export interface IWorkerDeath {
  worker: number | null;
  cause: string | null;
  /** Seconds since the epoch. */
  at: number | null;
  stderrTail: string[];
}

/** Mirrors `WorkersShape`: `GET /ready`'s `workers`. */
export interface IWorkers {
  count: number;
  ready: number;
  restarts: number;
  lastDeath: IWorkerDeath | null;
}

/** Mirrors `DeploymentStatus`. */
export type DeploymentStatus = 'running' | 'succeeded' | 'failed';

/**
 * Mirrors `DeploymentShape`: a deployment running in the Jupyter server's background.
 *
 * `log` holds the lines `logStart` … `logTotal - 1`; `GET deployments/{id}?since=N` answers them from N on.
 * `phase` is one of validating, image, build, container, init, ready.
 */
export interface IDeployment {
  id: string;
  serviceName: string;
  status: DeploymentStatus;
  phase: string;
  /** 0.0 … 1.0 */
  progress: number;
  log: string[];
  logStart: number;
  logTotal: number;
  error: string | null;
  service: IService | null;
  startedTime: string;
  elapsedSeconds: number;
}

/** Mirrors `EnvironmentShape`: an environment stored in the workspace, as the pip requirements it builds. */
export interface IEnvironment {
  name: string;
  pythonVersion: string | null;
  pipRequirements: string[];
  updatedTime: string | null;
}

/** Mirrors `ScriptShape`: an entry script the workspace has seen. */
export interface IScript {
  path: string;
  source: 'score_script' | 'service';
  modifiedTime: string;
}

/** Mirrors `DockerStatusShape`. */
export interface IDockerStatus {
  running: boolean;
  /** How to start the engine when it is not running. */
  message: string | null;
}

/** Mirrors `StatusShape` (`GET status`). */
export interface IStatus {
  version: string;
  workspace: string;
  docker: IDockerStatus;
}

/** Mirrors `LogsShape` (`GET services/{name}/logs`). */
export interface ILogs {
  name: string;
  logs: string;
}

/** Mirrors `ReloadShape` (`POST services/{name}/reload`). */
export interface IReload {
  name: string;
  seconds: number;
}

/**
 * Mirrors `EndpointTestShape`: what a scoring endpoint answered to a test request and how fast, with
 * percentiles when the request was repeated. `status` and `latencyMs` are null when nothing answered.
 */
export interface IEndpointTest {
  status: number | null;
  /** The decoded JSON answer, or its text when it is not JSON. */
  body: unknown;
  latencyMs: number | null;
  headers: Record<string, string>;
  repeat: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  errors: number;
}

/** Mirrors the server's `DeployRequest`, the body of `POST deployments`; paths are relative to the Jupyter root. */
export interface IDeployRequest {
  serviceName: string;
  /** `name:version`, or `name` for its latest version. */
  models: string[];
  entryScript: string;
  sourceDirectory: string | null;
  /** A stored environment's name. */
  environment: string | null;
  condaFile: string | null;
  requirementsFile: string | null;
  /** null: any free port. */
  port: number | null;
  overwrite: boolean;
  /** Issue 13: an attached compute target; null for Local Docker. The service then gets AKS settings. */
  computeTarget?: string | null;
  /** Issue 13: replicas on the compute target (default 1); null for Local Docker. */
  replicas?: number | null;
  /** Issue 13: key auth; null for the target's default (on for a compute target, off for Local Docker). */
  authEnabled?: boolean | null;
  /** Issue 12: capture every `/score` request (Local Docker only). */
  collectModelData?: boolean;
}

/** Issue 13: `GET services/{name}/keys`, and the answer of `POST services/{name}/keys`. */
export interface IKeys {
  primaryKey: string;
  secondaryKey: string;
}

/** Issue 13: which key `POST services/{name}/keys` regenerates (its body is `{"keyType": ...}`). */
export type KeyType = 'Primary' | 'Secondary';

/** Issue 13: one entry of `GET computeTargets`. */
export interface IComputeTarget {
  name: string;
  type: 'swarm' | 'kubernetes';
  createdTime: string;
  [setting: string]: unknown;
}

/** Mirrors the server's `EndpointTestRequest`, the body of `POST services/{name}/test`. */
export interface IEndpointTestRequest {
  /** The request body, sent as typed. */
  body: string;
  repeat: number;
}

/** Issue 12: one point of `GET services/{name}/monitor`, from two successive `/metrics` polls. */
export interface IMonitorSample {
  /** Epoch seconds. */
  time: number;
  /** `/score` requests per second. */
  requestRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Share of 5xx answers, 0–1. */
  errorRate: number;
}

/** Issue 12: `GET services/{name}/monitor`. */
export interface IMonitor {
  rowsCollected: number;
  collectModelData: boolean;
  samples: IMonitorSample[];
}
