/**
 * The shapes of the jupyter-deploy REST API, mirroring docs/rest-api.md (the contract) field by field.
 * The Python side is jupyter_deploy/server/.
 */

/** One registered version of a model (`ModelVersion`). */
export interface IModelVersion {
  id: string;
  name: string;
  version: number;
  description: string | null;
  tags: Record<string, string>;
  model_framework: string | null;
  created_time: string;
}

/** A file inside a model version, as hashed at registration. */
export interface IModelFile {
  path: string;
  size: number;
  sha256: string;
}

/** `GET models/{name}/{version}`. */
export interface IModelDetail extends IModelVersion {
  properties: Record<string, string>;
  model_framework_version: string | null;
  files: IModelFile[];
}

/** An entry of `GET models`: one model name with all its versions. */
export interface IModel {
  name: string;
  latest_version: number;
  versions: IModelVersion[];
}

export type ServiceState = 'Transitioning' | 'Healthy' | 'Unhealthy' | 'Failed';

/** A local web service (`Service`), `state` read live from the engine. */
export interface IService {
  name: string;
  state: ServiceState;
  scoring_uri: string | null;
  swagger_uri: string | null;
  port: number | null;
  image: string | null;
  models: string[];
  entry_script: string | null;
  created_time: string | null;
  error: string | null;
}

/** `GET services/{name}/logs`. */
export interface IServiceLogs {
  name: string;
  logs: string;
}

/** `POST services/{name}/reload`. */
export interface IReloadResult {
  name: string;
  seconds: number;
}

/** The body of `POST services/{name}/test`. */
export interface IEndpointTestRequest {
  body: string;
  repeat: number;
}

/** `POST services/{name}/test`: what the scoring endpoint answered and how fast. */
export interface IEndpointTest {
  status: number;
  body: unknown;
  latency_ms: number;
  headers: Record<string, string>;
  repeat: number;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  errors: number;
}

/** The body of `POST deployments`; paths are relative to the Jupyter server's root directory. */
export interface IDeployRequest {
  service_name: string;
  models: string[];
  entry_script: string;
  source_directory: string | null;
  environment: string | null;
  conda_file: string | null;
  requirements_file: string | null;
  port: number | null;
  overwrite: boolean;
}

export type DeploymentStatus = 'running' | 'succeeded' | 'failed';

export type DeploymentPhase =
  'validating' | 'image' | 'build' | 'container' | 'init' | 'ready';

/** A deployment running in the server's background; `log` holds lines `log_start` … `log_total - 1`. */
export interface IDeployment {
  id: string;
  service_name: string;
  status: DeploymentStatus;
  phase: DeploymentPhase;
  progress: number;
  log: string[];
  log_start: number;
  log_total: number;
  error: string | null;
  service: IService | null;
  started_time: string;
  elapsed_s: number;
}

/** `GET scripts`: entry scripts the workspace has seen. */
export interface IKnownScript {
  path: string;
  source: 'score_script' | 'service';
  modified_time: string;
}

/** `GET environments`: environments stored in the workspace. */
export interface IStoredEnvironment {
  name: string;
  python_version: string | null;
  pip_requirements: string[];
  updated_time: string;
}

/** `GET status`. */
export interface IDeployStatus {
  version: string;
  workspace: string;
  docker: {
    running: boolean;
    message: string | null;
  };
}
