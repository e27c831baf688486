// Full-text search over the messages of all my rooms, shown as a result list linking to the rooms.
import { useState } from 'preact/hooks';
import { chatApi, type SearchResult } from '../chatApi';
import { ErrorBox, Link } from '../components';
import { useI18n } from '../i18n';
import { messageTime, roomHref } from './format';

export function SearchBox() {
  const { t, lang } = useI18n();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const now = Date.now();

  const submit = async (e: Event) => {
    e.preventDefault();
    const text = q.trim();
    if (!text) {
      setResults(null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setResults((await chatApi.search(text)).results);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="chat-search">
      <form role="search" onSubmit={submit} data-testid="chat-search">
        <label for="chat-search-input" class="sr-only">
          {t('chat.search')}
        </label>
        <div class="search-row">
          <input
            id="chat-search-input"
            type="search"
            placeholder={t('chat.searchPlaceholder')}
            value={q}
            onInput={(e) => {
              setQ(e.currentTarget.value);
              if (!e.currentTarget.value) setResults(null);
            }}
          />
          <button type="submit" class="btn btn-small" disabled={busy}>
            {t('common.search')}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {results && (
        <div class="search-results" data-testid="search-results">
          <div class="search-results-head">
            <span class="muted small">{results.length === 1 ? t('chat.searchOne') : t('chat.searchCount', { n: results.length })}</span>
            <button type="button" class="btn btn-link btn-small" onClick={() => setResults(null)}>
              {t('chat.searchClose')}
            </button>
          </div>
          <ul>
            {results.map((r) => (
              <li key={r.id} data-testid="search-result">
                <Link href={roomHref(r.room_id)}>
                  <span class="small">
                    <strong>{r.room_title || t('chat.kind.direct')}</strong> · {r.sender_name} · {messageTime(lang, r.created_at, now)}
                  </span>
                  <span class="search-text">{r.text}</span>
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
