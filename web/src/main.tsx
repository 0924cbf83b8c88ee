import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { createWebClient } from './client.js';
import './styles.css';
import { applyTheme, loadTheme } from './theme.js';

applyTheme(loadTheme());
createRoot(document.getElementById('root') as HTMLElement).render(<App client={createWebClient()} />);
