/**
 * DeploymentsModel over a mocked REST client: what it keeps of each answer, when it re-reads, how it follows
 * a deployment's log, and how failures become the sentences the views show.
 */
import * as client from '../api/client';
import {
  DEPLOYMENT_LOST_AFTER,
  DEPLOYMENT_POLL_MS,
  DeploymentsModel,
  ITrackedDeployment,
  MODELS_POLL_MS,
  Reading,
  SERVICES_POLL_MS
} from '../model';
import {
  deployment,
  ECHO_REQUEST,
  modelGroup,
  service,
  SWARM_TARGET
} from './fixtures';

jest.mock('../api/client');
const api = jest.mocked(client);

/** Let every timer due within `ms` fire, and the promises they settle run. */
async function elapse(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

/** Polls start on a timer of their own, so their first read is done a moment after the model is made. */
const FIRST_POLL_MS = 1;

/** Start a deployment and return what the model tracks (failing the test when it was refused). */
async function startTracking(
  model: DeploymentsModel
): Promise<ITrackedDeployment> {
  const outcome = await model.deploy(ECHO_REQUEST);
  if (!outcome.ok) {
    throw new Error(`refused: ${outcome.message}`);
  }
  return outcome.value;
}

let visible: boolean;
let model: DeploymentsModel;
let changes: number;

beforeEach(() => {
  jest.useFakeTimers();
  jest.resetAllMocks();
  api.listModels.mockResolvedValue([]);
  api.listServices.mockResolvedValue([]);
  api.getStatus.mockResolvedValue({
    version: '0.1.0',
    workspace: '/ws',
    docker: { running: true, message: null }
  });
  visible = true;
  model = new DeploymentsModel(() => visible);
  changes = 0;
  model.changed.connect(() => {
    changes += 1;
  });
});

afterEach(() => {
  model.dispose();
  jest.useRealTimers();
});

describe('Reading', () => {
  it('keeps the last good value when a read fails, with the reason as its error', async () => {
    const read = jest
      .fn<Promise<string[]>, []>()
      .mockResolvedValueOnce(['a'])
      .mockRejectedValueOnce(new Error('The Docker engine is not running.'));
    const reading = new Reading(read, [] as string[]);
    expect(reading.loaded).toBe(false);

    await reading.read();
    expect(reading.value).toEqual(['a']);
    expect(reading.error).toBeNull();
    expect(reading.loaded).toBe(true);

    await reading.read();
    expect(reading.value).toEqual(['a']);
    expect(reading.error).toBe('The Docker engine is not running.');
  });

  it('keeps the answer of the read started last when reads overlap', async () => {
    let answerFirst: (value: string) => void = () => undefined;
    const read = jest
      .fn<Promise<string>, []>()
      .mockReturnValueOnce(new Promise(resolve => (answerFirst = resolve)))
      .mockResolvedValueOnce('second');
    const reading = new Reading(read, 'initial');

    const first = reading.read();
    await reading.read();
    answerFirst('first, but late');
    await first;
    expect(reading.value).toBe('second');
  });
});

describe('DeploymentsModel polling', () => {
  it('re-reads services and models at their intervals while visible, emitting changed', async () => {
    await elapse(FIRST_POLL_MS);
    expect(api.listServices).toHaveBeenCalledTimes(1);
    expect(api.listModels).toHaveBeenCalledTimes(1);
    expect(model.services.loaded).toBe(true);
    expect(model.models.loaded).toBe(true);

    api.listServices.mockResolvedValue([service('echo')]);
    const before = changes;
    await elapse(SERVICES_POLL_MS);
    expect(model.services.value.map(s => s.name)).toEqual(['echo']);
    expect(changes).toBeGreaterThan(before);
    expect(api.listModels).toHaveBeenCalledTimes(1);

    api.listModels.mockResolvedValue([modelGroup('greeting', [1, 2])]);
    await elapse(MODELS_POLL_MS);
    expect(model.models.value[0].latestVersion).toBe(2);
    expect(api.listModels).toHaveBeenCalledTimes(2);
  });

  it('reads each listed service monitor right after the services poll (issue 12)', async () => {
    api.listServices.mockResolvedValue([service('echo'), service('gone')]);
    api.getServiceMonitor.mockImplementation(async name => {
      if (name === 'gone') {
        throw new Error("Service 'gone' not found.");
      }
      return {
        rowsCollected: 3,
        collectModelData: true,
        samples: [{ time: 1, requestRate: 2, p50Ms: 1, p99Ms: 4, errorRate: 0 }]
      };
    });
    await elapse(FIRST_POLL_MS);
    expect(api.getServiceMonitor.mock.calls.map(call => call[0])).toEqual([
      'echo',
      'gone'
    ]);
    expect(Object.keys(model.monitors.value)).toEqual(['echo']);
    expect(model.monitors.value.echo.rowsCollected).toBe(3);

    await elapse(SERVICES_POLL_MS);
    expect(api.getServiceMonitor).toHaveBeenCalledTimes(4);
  });

  it('does not poll while nobody looks', async () => {
    visible = false;
    await elapse(SERVICES_POLL_MS * 5);
    expect(api.listServices).not.toHaveBeenCalled();
    expect(model.services.loaded).toBe(false);

    visible = true;
    await elapse(SERVICES_POLL_MS);
    expect(api.listServices).toHaveBeenCalled();
  });

  it("turns a failed read into the API's sentence and keeps what was shown", async () => {
    api.listServices.mockResolvedValue([service('echo')]);
    await elapse(FIRST_POLL_MS);
    api.listServices.mockRejectedValue(
      new Error('Docker is not running: start it with `dockerd`.')
    );
    await elapse(SERVICES_POLL_MS);
    expect(model.services.error).toBe(
      'Docker is not running: start it with `dockerd`.'
    );
    expect(model.services.value.map(s => s.name)).toEqual(['echo']);

    api.listServices.mockResolvedValue([]);
    await elapse(SERVICES_POLL_MS);
    expect(model.services.error).toBeNull();
    expect(model.services.value).toEqual([]);
  });

  it('refresh() reads status, models and services at once, or just the readings named', async () => {
    await model.refresh();
    expect(api.getStatus).toHaveBeenCalledTimes(1);
    expect(model.status.value?.workspace).toBe('/ws');

    api.listScripts.mockResolvedValue([
      { path: 'score.py', source: 'score_script', modifiedTime: 'now' }
    ]);
    api.listEnvironments.mockRejectedValue(new Error('No workspace.'));
    const before = changes;
    await model.refresh(model.scripts, model.environments);
    expect(model.scripts.value.map(script => script.path)).toEqual([
      'score.py'
    ]);
    expect(model.environments.error).toBe('No workspace.');
    expect(api.getStatus).toHaveBeenCalledTimes(1);
    expect(changes - before).toBe(2);
  });
});

describe('DeploymentsModel.deploy', () => {
  it('sends the request and streams the log with `since`, appending each new line once', async () => {
    api.startDeployment.mockResolvedValue(
      deployment({ log: ['Validating', 'Building'], logTotal: 2 })
    );
    api.getDeployment
      .mockResolvedValueOnce(
        deployment({
          phase: 'build',
          log: ['Step 1/3'],
          logStart: 2,
          logTotal: 3
        })
      )
      // A server that answers from an earlier index than asked: the overlap is not appended twice.
      .mockResolvedValueOnce(
        deployment({
          phase: 'init',
          log: ['Step 1/3', 'Step 2/3'],
          logStart: 2,
          logTotal: 4
        })
      )
      .mockResolvedValueOnce(
        deployment({
          status: 'succeeded',
          phase: 'ready',
          progress: 1,
          log: ['Healthy'],
          logStart: 4,
          logTotal: 5,
          service: service('echo'),
          elapsedSeconds: 3.5
        })
      );

    const tracked = await startTracking(model);
    expect(api.startDeployment).toHaveBeenCalledWith(ECHO_REQUEST);
    expect(model.deployments).toEqual([tracked]);
    expect(tracked.log).toEqual(['Validating', 'Building']);

    await elapse(DEPLOYMENT_POLL_MS);
    expect(api.getDeployment).toHaveBeenLastCalledWith('d1', 2);
    expect(tracked.log).toEqual(['Validating', 'Building', 'Step 1/3']);
    expect(tracked.deployment.phase).toBe('build');

    await elapse(DEPLOYMENT_POLL_MS);
    expect(api.getDeployment).toHaveBeenLastCalledWith('d1', 3);
    expect(tracked.log).toEqual([
      'Validating',
      'Building',
      'Step 1/3',
      'Step 2/3'
    ]);

    const before = changes;
    await elapse(DEPLOYMENT_POLL_MS);
    expect(api.getDeployment).toHaveBeenLastCalledWith('d1', 4);
    expect(tracked.deployment.status).toBe('succeeded');
    expect(tracked.deployment.service?.name).toBe('echo');
    expect(tracked.log).toEqual([
      'Validating',
      'Building',
      'Step 1/3',
      'Step 2/3',
      'Healthy'
    ]);
    expect(changes).toBeGreaterThan(before);

    // Finished: no more reads.
    await elapse(DEPLOYMENT_POLL_MS * 3);
    expect(api.getDeployment).toHaveBeenCalledTimes(3);
  });

  it("answers a refused request with the API's message and tracks nothing", async () => {
    api.startDeployment.mockRejectedValue(
      new Error("A service named 'echo' exists; tick Overwrite to replace it.")
    );
    const outcome = await model.deploy(ECHO_REQUEST);
    expect(outcome).toEqual({
      ok: false,
      message: "A service named 'echo' exists; tick Overwrite to replace it."
    });
    expect(model.deployments).toEqual([]);
    await elapse(DEPLOYMENT_POLL_MS * 2);
    expect(api.getDeployment).not.toHaveBeenCalled();
  });

  it('gives a deployment up as failed after losing track of it several times in a row', async () => {
    api.startDeployment.mockResolvedValue(deployment());
    api.getDeployment.mockRejectedValue(new Error('Network is down.'));
    const tracked = await startTracking(model);

    await elapse(DEPLOYMENT_POLL_MS * (DEPLOYMENT_LOST_AFTER - 1));
    expect(tracked.deployment.status).toBe('running');
    await elapse(DEPLOYMENT_POLL_MS);
    expect(tracked.deployment.status).toBe('failed');
    expect(tracked.deployment.error).toBe(
      'Lost track of the deployment: Network is down.'
    );
    await elapse(DEPLOYMENT_POLL_MS * 3);
    expect(api.getDeployment).toHaveBeenCalledTimes(DEPLOYMENT_LOST_AFTER);
  });

  it('keeps one deployment per service name, newest first, until dismissed', async () => {
    api.startDeployment
      .mockResolvedValueOnce(deployment({ id: 'd1', status: 'failed' }))
      .mockResolvedValueOnce(
        deployment({ id: 'd2', serviceName: 'other', status: 'failed' })
      )
      .mockResolvedValueOnce(deployment({ id: 'd3', status: 'succeeded' }));
    await model.deploy(ECHO_REQUEST);
    await model.deploy({ ...ECHO_REQUEST, serviceName: 'other' });
    await model.deploy(ECHO_REQUEST);
    expect(model.deployments.map(t => t.deployment.id)).toEqual(['d3', 'd2']);

    model.dismissDeployment('d3');
    expect(model.deployments.map(t => t.deployment.id)).toEqual(['d2']);
  });
});

describe('DeploymentsModel calls on one service', () => {
  it('undeploy deletes the service and re-reads services', async () => {
    await elapse(FIRST_POLL_MS);
    api.deleteService.mockResolvedValue(undefined);
    api.listServices.mockResolvedValue([]);
    const reads = api.listServices.mock.calls.length;
    expect(await model.undeploy('echo')).toEqual({
      ok: true,
      value: undefined
    });
    expect(api.deleteService).toHaveBeenCalledWith('echo');
    expect(api.listServices).toHaveBeenCalledTimes(reads + 1);
  });

  it('reload, test and logs answer the value or the reason it failed', async () => {
    api.reloadService.mockResolvedValue({ name: 'echo', seconds: 0.12 });
    expect(await model.reload('echo')).toEqual({
      ok: true,
      value: { name: 'echo', seconds: 0.12 }
    });

    api.testService.mockRejectedValue(new Error("No service named 'echo'."));
    expect(await model.testEndpoint('echo', { body: '{}', repeat: 3 })).toEqual(
      {
        ok: false,
        message: "No service named 'echo'."
      }
    );
    expect(api.testService).toHaveBeenCalledWith('echo', {
      body: '{}',
      repeat: 3
    });

    api.getServiceLogs.mockResolvedValue({ name: 'echo', logs: 'ready\n' });
    expect(await model.serviceLogs('echo', 50)).toEqual({
      ok: true,
      value: { name: 'echo', logs: 'ready\n' }
    });
    expect(api.getServiceLogs).toHaveBeenCalledWith('echo', 50);
  });
});

describe('DeploymentsModel and compute targets (issue 13)', () => {
  it('reads the attached targets only when asked (the Deploy dialog), never on a poll', async () => {
    api.listComputeTargets.mockResolvedValue([SWARM_TARGET]);
    await elapse(SERVICES_POLL_MS * 2);
    expect(api.listComputeTargets).not.toHaveBeenCalled();
    await model.refresh(model.computeTargets);
    expect(model.computeTargets.value.map(target => target.name)).toEqual([
      'local-swarm'
    ]);
  });

  it('reads the keys and regenerates one, answering the new pair or the reason', async () => {
    const keys = { primaryKey: 'p', secondaryKey: 's' };
    api.getServiceKeys.mockResolvedValue(keys);
    expect(await model.serviceKeys('echo')).toEqual({ ok: true, value: keys });
    expect(api.getServiceKeys).toHaveBeenCalledWith('echo');

    api.regenerateServiceKey.mockResolvedValue({ ...keys, secondaryKey: 't' });
    expect(await model.regenerateKey('echo', 'Secondary')).toEqual({
      ok: true,
      value: { primaryKey: 'p', secondaryKey: 't' }
    });
    expect(api.regenerateServiceKey).toHaveBeenCalledWith('echo', 'Secondary');

    api.getServiceKeys.mockRejectedValue(
      new Error("Service 'echo' has key auth off, so it has no keys.")
    );
    expect(await model.serviceKeys('echo')).toEqual({
      ok: false,
      message: "Service 'echo' has key auth off, so it has no keys."
    });
  });
});
