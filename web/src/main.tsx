// Entry point: mounts the schulhof app into #app.
import { render } from 'preact';
import { App } from './app';
import './styles.css';
import './styles/components.css';
import './styles/admin.css';
import './styles/import.css';
import './styles/chat.css';
import './styles/polls.css';
import './styles/pages.css';

render(<App />, document.getElementById('app')!);
