/**
 * The Deploy dialog's rules without React: what is missing, which ports and replica counts are refused, which
 * fields the chosen target uses, and the camelCase `DeployRequest` the form turns into.
 */
import { DeployFormState, MAX_REPLICAS } from '../deployForm';
import { ECHO_REQUEST, SWARM_REQUEST } from './fixtures';

/** A form a user could deploy as it is. */
function completeForm(): DeployFormState {
  return new DeployFormState()
    .withModel('greeting:1', true)
    .with({ entryScript: ' score.py ', serviceName: ' echo ' });
}

describe('DeployFormState', () => {
  it('starts empty and says everything it still needs', () => {
    const form = new DeployFormState();
    expect(form.missing).toEqual([
      'at least one model',
      'an entry script',
      'a service name'
    ]);
    expect(form.isComplete).toBe(false);
    expect(form.request()).toBeNull();
  });

  it('makes the camelCase request of a minimal form, trimmed, with nulls for what was left out', () => {
    expect(completeForm().request()).toEqual(ECHO_REQUEST);
  });

  it('is immutable: a change makes a new form and leaves the old one as it was', () => {
    const before = new DeployFormState();
    const after = before.with({ serviceName: 'echo' });
    expect(before.fields.serviceName).toBe('');
    expect(after.fields.serviceName).toBe('echo');
  });

  it('ticks and unticks models, each once, in the order they were ticked', () => {
    const form = new DeployFormState()
      .withModel('b:1', true)
      .withModel('a:2', true)
      .withModel('b:1', true);
    expect(form.fields.models).toEqual(['a:2', 'b:1']);
    expect(form.withModel('a:2', false).fields.models).toEqual(['b:1']);
  });

  it('sends the source directory, the port and overwrite when given', () => {
    const request = completeForm()
      .with({ sourceDirectory: ' app ', port: ' 8080 ', overwrite: true })
      .request();
    expect(request).toMatchObject({
      sourceDirectory: 'app',
      port: 8080,
      overwrite: true
    });
  });

  it('sends collectModelData: false unless the box is ticked (issue 12)', () => {
    const form = completeForm();
    expect(form.fields.collectModelData).toBe(false);
    expect(form.request()).toMatchObject({ collectModelData: false });
    const ticked = form.with({ collectModelData: true });
    expect(ticked.request()).toMatchObject({ collectModelData: true });
    expect(ticked.with({ collectModelData: false }).request()).toEqual(
      ECHO_REQUEST
    );
  });

  it.each(['0', '65536', '80.5', 'http', '-1'])('refuses the port %p', port => {
    const form = completeForm().with({ port });
    expect(form.portProblem).toBe('The port must be a number from 1 to 65535.');
    expect(form.isComplete).toBe(false);
    expect(form.request()).toBeNull();
  });

  it.each(['1', '65535', ''])('accepts the port %p', port => {
    expect(completeForm().with({ port }).portProblem).toBeNull();
  });

  it('names a stored environment, picking the first one when none was chosen', () => {
    const form = completeForm().withEnvironmentSource('stored', [
      'sentiment-env',
      'other-env'
    ]);
    expect(form.fields.storedEnvironment).toBe('sentiment-env');
    expect(form.request()).toMatchObject({
      environment: 'sentiment-env',
      condaFile: null,
      requirementsFile: null
    });

    const chosen = form
      .with({ storedEnvironment: 'other-env' })
      .withEnvironmentSource('default', [])
      .withEnvironmentSource('stored', ['sentiment-env']);
    expect(chosen.fields.storedEnvironment).toBe('other-env');
    // Back on the minimal environment, nothing of the stored one is sent.
    expect(chosen.withEnvironmentSource('default', []).request()).toMatchObject(
      {
        environment: null
      }
    );
  });

  it('needs a stored environment when there is none to pick', () => {
    const form = completeForm().withEnvironmentSource('stored', []);
    expect(form.missing).toEqual(['a stored environment']);
  });

  it('sends the dependency file as condaFile or requirementsFile, by the source chosen', () => {
    const conda = completeForm().withEnvironmentSource('conda', []);
    expect(conda.needsDependencyFile).toBe(true);
    expect(conda.missing).toEqual(['a conda file']);
    expect(conda.withEnvironmentSource('requirements', []).missing).toEqual([
      'a requirements file'
    ]);

    const withFile = conda.with({ dependencyFile: ' myenv.yml ' });
    expect(withFile.request()).toMatchObject({
      condaFile: 'myenv.yml',
      requirementsFile: null,
      environment: null
    });
    expect(
      withFile.withEnvironmentSource('requirements', []).request()
    ).toMatchObject({ condaFile: null, requirementsFile: 'myenv.yml' });
  });

  describe('with a compute target chosen (issue 13)', () => {
    const onSwarm = () => completeForm().with({ computeTarget: 'local-swarm' });

    it('sends the target, one replica and key auth on by default', () => {
      const form = onSwarm();
      expect(form.onComputeTarget).toBe(true);
      expect(form.request()).toEqual(SWARM_REQUEST);
    });

    it('sends the replicas and key auth as set', () => {
      const request = onSwarm()
        .with({ replicas: ' 3 ', authEnabled: false })
        .request();
      expect(request).toMatchObject({ replicas: 3, authEnabled: false });
    });

    it("leaves out Local Docker's port and data collection, and does not check the port", () => {
      const form = onSwarm().with({ port: 'http', collectModelData: true });
      expect(form.portProblem).toBeNull();
      expect(form.request()).toEqual(SWARM_REQUEST);
    });

    it('goes back to Local Docker with what was typed there, and no cluster fields', () => {
      const local = onSwarm()
        .with({ port: '8080', replicas: '4' })
        .with({ computeTarget: '' });
      expect(local.onComputeTarget).toBe(false);
      expect(local.request()).toEqual({ ...ECHO_REQUEST, port: 8080 });
    });

    it.each(['0', '', ' ', '1.5', 'two', '-1', String(MAX_REPLICAS + 1)])(
      'refuses the replica count %p',
      replicas => {
        const form = onSwarm().with({ replicas });
        expect(form.replicasProblem).toBe(
          `Replicas must be a whole number from 1 to ${MAX_REPLICAS}.`
        );
        expect(form.problems).toEqual([form.replicasProblem]);
        expect(form.isComplete).toBe(false);
        expect(form.request()).toBeNull();
      }
    );

    it.each(['1', '2', String(MAX_REPLICAS)])(
      'accepts the replica count %p',
      replicas => {
        expect(onSwarm().with({ replicas }).replicasProblem).toBeNull();
      }
    );

    it('does not check the replica count on Local Docker', () => {
      const form = completeForm().with({ replicas: 'two' });
      expect(form.replicasProblem).toBeNull();
      expect(form.request()).toEqual(ECHO_REQUEST);
    });
  });
});
