import * as React from 'react';

import { ServiceState } from '../api/types';

/** A service's state as a coloured badge; `data-state` carries the raw state for styles and tests. */
export function StateBadge(props: { state: ServiceState }): JSX.Element {
  return (
    <span className="jp-Deploy-badge" data-state={props.state}>
      {props.state}
    </span>
  );
}
