/**
 * Registered models as a tree: name → versions → tags and files. A version's files are read when it is
 * first opened.
 */
import * as React from 'react';

import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';

import { getModelVersion } from './client';
import { errorMessage } from './request';
import { IModel, IModelDetail, IModelVersion } from './tokens';

export interface IModelsTreeProps {
  models: IModel[];
  error: string | null;
  loaded: boolean;
}

export function ModelsTree(props: IModelsTreeProps): JSX.Element {
  if (props.error) {
    return <div className="jp-Deploy-error">{props.error}</div>;
  }
  if (!props.loaded) {
    return <div className="jp-Deploy-empty">Loading models…</div>;
  }
  if (props.models.length === 0) {
    return (
      <div className="jp-Deploy-empty">
        No model registered yet: <code>Model.register(…)</code> or{' '}
        <code>jupyter-deploy model register</code>.
      </div>
    );
  }
  return (
    <ul className="jp-Deploy-tree" role="tree">
      {props.models.map(model => (
        <ModelNode key={model.name} model={model} />
      ))}
    </ul>
  );
}

function Caret(props: { open: boolean }): JSX.Element {
  const Icon = props.open ? caretDownIcon : caretRightIcon;
  return <Icon.react tag="span" className="jp-Deploy-caret" />;
}

function ModelNode(props: { model: IModel }): JSX.Element {
  const { model } = props;
  const [open, setOpen] = React.useState(false);
  const versions = [...model.versions].sort((a, b) => b.version - a.version);
  return (
    <li className="jp-Deploy-treeItem" role="treeitem" data-model={model.name}>
      <div
        className="jp-Deploy-treeRow"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
      >
        <Caret open={open} />
        <span className="jp-Deploy-modelName">{model.name}</span>
        <span className="jp-Deploy-dim">
          {versions.length === 1 ? '1 version' : `${versions.length} versions`},
          latest {model.latest_version}
        </span>
      </div>
      {open && (
        <ul className="jp-Deploy-tree" role="group">
          {versions.map(version => (
            <VersionNode key={version.id} version={version} />
          ))}
        </ul>
      )}
    </li>
  );
}

function VersionNode(props: { version: IModelVersion }): JSX.Element {
  const { version } = props;
  const [open, setOpen] = React.useState(false);
  const [detail, setDetail] = React.useState<IModelDetail | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  const toggle = () => {
    setOpen(!open);
    if (!open && detail === null) {
      getModelVersion(version.name, version.version)
        .then(setDetail)
        .catch(reason => setError(errorMessage(reason)));
    }
  };

  const tags = Object.entries(version.tags);
  return (
    <li
      className="jp-Deploy-treeItem"
      role="treeitem"
      data-model-version={version.id}
    >
      <div className="jp-Deploy-treeRow" onClick={toggle} aria-expanded={open}>
        <Caret open={open} />
        <span>version {version.version}</span>
        {version.model_framework && (
          <span className="jp-Deploy-dim">{version.model_framework}</span>
        )}
        <span className="jp-Deploy-dim" title={version.created_time}>
          {version.created_time.slice(0, 10)}
        </span>
      </div>
      {open && (
        <div className="jp-Deploy-versionDetail">
          {version.description && <div>{version.description}</div>}
          <div className="jp-Deploy-tags">
            {tags.length === 0 ? (
              <span className="jp-Deploy-dim">no tags</span>
            ) : (
              tags.map(([key, value]) => (
                <span className="jp-Deploy-tag" key={key}>
                  {key}={value}
                </span>
              ))
            )}
          </div>
          {error && <div className="jp-Deploy-error">{error}</div>}
          {detail === null && !error && (
            <div className="jp-Deploy-dim">Reading files…</div>
          )}
          {detail && (
            <ul className="jp-Deploy-files">
              {detail.files.map(file => (
                <li key={file.path} title={`sha256 ${file.sha256}`}>
                  <span className="jp-Deploy-filePath">{file.path}</span>
                  <span className="jp-Deploy-dim">{formatSize(file.size)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}

/** 1234567 → "1.2 MB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0
    ? `${value} ${units[0]}`
    : `${value.toFixed(1)} ${units[unit]}`;
}
