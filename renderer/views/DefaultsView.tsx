import { useMemo } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ConfigForm, type FormSection } from '../config/ConfigForm.tsx';
import type { Inherited } from '../config/controls.tsx';
import { baseGroup, topLevelGroup, workspaceGroups, type FieldSpec } from '../config/fields.ts';
import { displayPath } from '../lib/format.ts';
import { useApp } from '../store/react.tsx';
import { ConfigUnreadable } from './ConfigUnreadable.tsx';

const builtinOnly = (field: FieldSpec): Inherited => ({ value: field.builtin, from: field.builtin === null ? null : 'built-in' });

/** [defaults], [base] and the top-level keys: what every workspace gets unless it says otherwise. */
export function DefaultsView() {
  const config = useApp((state) => state.config);
  const configError = useApp((state) => state.configError);
  const home = useApp((state) => state.info?.home);
  const sections = useMemo<FormSection[]>(
    () => [...workspaceGroups({ forDefaults: true }).map((group) => ({ group, table: ['defaults'] })), { group: baseGroup, table: ['base'] }, { group: topLevelGroup, table: [] }],
    [],
  );

  let body;
  if (!config) body = configError ? <ErrorNotice error={configError} /> : <p className="text-muted" role="status">Reading the config…</p>;
  else if (!config.data) body = <ConfigUnreadable />;
  else body = <ConfigForm sections={sections} inheritedFor={builtinOnly} what="the defaults" />;

  return (
    <div className="view view-form">
      <header className="view-header">
        <div>
          <h1>Defaults</h1>
          <p className="view-subtitle">
            What every workspace gets unless its own settings say otherwise{config ? <> (the <code>[defaults]</code> and <code>[base]</code> blocks of <code>{displayPath(config.file, home)}</code>)</> : null}.
          </p>
        </div>
      </header>
      {body}
    </div>
  );
}
