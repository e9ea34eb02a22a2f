/**
 * Registered models as a tree: name → versions → tags and files (each version arrives with its files).
 */
import * as React from 'react';

import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';

import { IModel, IModelGroup } from '../api/types';
import { Reading } from '../model';

export function ModelsTree(props: {
  groups: Reading<IModelGroup[]>;
}): JSX.Element {
  const { groups } = props;
  if (groups.error) {
    return <div className="jp-Deploy-error">{groups.error}</div>;
  }
  if (!groups.loaded) {
    return <div className="jp-Deploy-empty">Loading models…</div>;
  }
  if (groups.value.length === 0) {
    return (
      <div className="jp-Deploy-empty">
        No model registered yet: <code>Model.register(…)</code> or{' '}
        <code>jupyter-deploy model register</code>.
      </div>
    );
  }
  return (
    <ul className="jp-Deploy-tree" role="tree">
      {groups.value.map(group => (
        <GroupNode key={group.name} group={group} />
      ))}
    </ul>
  );
}

/** A row that opens and closes what is below it. */
function TreeNode(props: {
  row: React.ReactNode;
  children: React.ReactNode;
  /** `data-*` attributes that name the node (for styles and the browser test). */
  data: Record<string, string>;
}): JSX.Element {
  const [open, setOpen] = React.useState(false);
  const Caret = open ? caretDownIcon : caretRightIcon;
  return (
    <li className="jp-Deploy-treeItem" role="treeitem" {...props.data}>
      <div
        className="jp-Deploy-treeRow"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
      >
        <Caret.react tag="span" className="jp-Deploy-caret" />
        {props.row}
      </div>
      {open && props.children}
    </li>
  );
}

function GroupNode(props: { group: IModelGroup }): JSX.Element {
  const { group } = props;
  const versions = [...group.versions].sort((a, b) => b.version - a.version);
  return (
    <TreeNode
      data={{ 'data-model': group.name }}
      row={
        <>
          <span className="jp-Deploy-modelName">{group.name}</span>
          <span className="jp-Deploy-dim">
            {versions.length === 1
              ? '1 version'
              : `${versions.length} versions`}
            , latest {group.latestVersion}
          </span>
        </>
      }
    >
      <ul className="jp-Deploy-tree" role="group">
        {versions.map(model => (
          <VersionNode key={model.id} model={model} />
        ))}
      </ul>
    </TreeNode>
  );
}

function VersionNode(props: { model: IModel }): JSX.Element {
  const { model } = props;
  const tags = Object.entries(model.tags);
  return (
    <TreeNode
      data={{ 'data-model-version': model.id }}
      row={
        <>
          <span>version {model.version}</span>
          {model.framework && (
            <span className="jp-Deploy-dim">{model.framework}</span>
          )}
          <span className="jp-Deploy-dim" title={model.createdTime}>
            {model.createdTime.slice(0, 10)}
          </span>
        </>
      }
    >
      <div className="jp-Deploy-versionDetail">
        {model.description && <div>{model.description}</div>}
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
        <ul className="jp-Deploy-files">
          {model.files.map(file => (
            <li key={file.path} title={`sha256 ${file.sha256}`}>
              <span className="jp-Deploy-filePath">{file.path}</span>
              <span className="jp-Deploy-dim">{formatSize(file.size)}</span>
            </li>
          ))}
        </ul>
      </div>
    </TreeNode>
  );
}

/** 1234567 → "1.2 MB". */
function formatSize(bytes: number): string {
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
