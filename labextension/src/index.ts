/**
 * jupyter-deploy's JupyterLab plugin: the Deployments side panel, its commands and palette entries.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';

import { DeploymentsPanel, PANEL_ID } from './components/DeploymentsPanel';
import { deployIcon } from './components/icons';
import { createLogsViewer, LogsView } from './components/LogsViewer';

export namespace CommandIDs {
  /** Show the Deployments panel. */
  export const open = 'jupyter-deploy:open';
  /** Open the Deploy dialog. */
  export const deploy = 'jupyter-deploy:deploy';
  /** Show a service's log; args: `{ name }`. */
  export const logs = 'jupyter-deploy:logs';
}

const PALETTE_CATEGORY = 'Deployments';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-deploy:plugin',
  description:
    'A side panel to deploy registered models to local Docker or an attached compute target, and test them.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const { commands, shell } = app;

    const panel = new DeploymentsPanel({
      openLogs: name => void commands.execute(CommandIDs.logs, { name })
    });
    shell.add(panel, 'right', { rank: 600 });

    const logsTracker = new WidgetTracker<MainAreaWidget<LogsView>>({
      namespace: 'jupyter-deploy-logs'
    });

    commands.addCommand(CommandIDs.open, {
      label: 'Open Deployments',
      caption: 'Show registered models and services',
      icon: deployIcon,
      execute: () => shell.activateById(PANEL_ID)
    });

    commands.addCommand(CommandIDs.deploy, {
      label: 'Deploy a Model…',
      caption: 'Deploy registered models as a web service',
      execute: async () => {
        shell.activateById(PANEL_ID);
        await panel.deploy();
      }
    });

    commands.addCommand(CommandIDs.logs, {
      label: args => (args.name ? `Logs of ${args.name}` : 'Service Logs'),
      execute: async args => {
        const name = String(args.name ?? '');
        if (!name) {
          return;
        }
        let viewer = logsTracker.find(
          widget => widget.content.serviceName === name
        );
        if (!viewer) {
          viewer = createLogsViewer(panel.model, name);
          await logsTracker.add(viewer);
          shell.add(viewer, 'main');
        }
        shell.activateById(viewer.id);
      }
    });

    if (palette) {
      palette.addItem({ command: CommandIDs.open, category: PALETTE_CATEGORY });
      palette.addItem({
        command: CommandIDs.deploy,
        category: PALETTE_CATEGORY
      });
    }
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }
  }
};

export default plugin;
