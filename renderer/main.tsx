// First, so that its socket opens before the rest is evaluated.
import { pageClient as client } from './api/page-client.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { readInitialState } from './api/initial-state.ts';
import { App } from './App.tsx';
import { guardUnsavedChanges } from './lib/unsaved.ts';
import { createAppStore, seedStore, syncStore } from './store/app-store.ts';
import { StoreProvider } from './store/react.tsx';
import { applyTheme } from './store/theme.ts';
import './styles/theme.css';
import './styles/app.css';

// Before React mounts, so it hears of a hash change before the router does.
guardUnsavedChanges(window);
const store = createAppStore(client);
seedStore(store, readInitialState(document));
// Before the first paint, so a dark-mode user never sees a flash of the light theme.
applyTheme(store.getState().theme);
store.subscribe((state, previous) => {
  if (state.theme !== previous.theme) applyTheme(state.theme);
});
syncStore(store, client);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <StoreProvider store={store} client={client}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
