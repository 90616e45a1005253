import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <FluentProvider theme={webLightTheme} style={{ minHeight: '100vh', backgroundColor: webLightTheme.colorNeutralBackground2 }}>
        <App />
      </FluentProvider>
    </StrictMode>,
  );
}
