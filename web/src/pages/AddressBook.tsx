// Module page "Adressbuch": the people who share a class, course or group with me, filterable by name or group.
import { useState } from 'preact/hooks';
import { api, type AddressBookEntry } from '../api';
import { Avatar, Badge, ErrorBox, Loading, useLoad } from '../components';
import { useI18n } from '../i18n';

/** Entries whose name or one of whose groups contains the filter text (case-insensitive). */
export function filterAddressBook(entries: AddressBookEntry[], text: string): AddressBookEntry[] {
  const q = text.trim().toLocaleLowerCase('de');
  if (!q) return entries;
  return entries.filter(
    (e) => e.display_name.toLocaleLowerCase('de').includes(q) || e.groups.some((g) => g.toLocaleLowerCase('de').includes(q)),
  );
}

export function AddressBook() {
  const { t } = useI18n();
  const book = useLoad(() => api.addressBook(), []);
  const [filter, setFilter] = useState('');
  const shown = filterAddressBook(book.data ?? [], filter);

  return (
    <div class="page" data-testid="addressbook-page">
      <header class="page-head">
        <h1>{t('ab.title')}</h1>
        <p class="muted">{t('ab.intro')}</p>
      </header>
      <section class="card">
        <ErrorBox error={book.error} />
        {book.loading && !book.data ? (
          <Loading />
        ) : book.data && book.data.length === 0 ? (
          <p class="empty">{t('ab.empty')}</p>
        ) : book.data ? (
          <>
            <div class="toolbar">
              <div class="field grow">
                <label for="ab-filter">{t('common.search')}</label>
                <input
                  id="ab-filter"
                  type="search"
                  placeholder={t('ab.filterPlaceholder')}
                  value={filter}
                  onInput={(e) => setFilter(e.currentTarget.value)}
                />
              </div>
              <span class="muted count">{shown.length === 1 ? t('ab.countOne') : t('ab.count', { n: shown.length })}</span>
            </div>
            <ul class="member-list" data-testid="addressbook">
              {shown.map((e) => (
                <li key={e.user_id}>
                  <Avatar name={e.display_name} />
                  <span class="member-name">
                    <strong>{e.display_name}</strong>
                    <span class="muted small">{t(`role.${e.role}`)}</span>
                  </span>
                  <span class="badges">
                    {e.groups.map((g) => (
                      <Badge key={g} kind="class">
                        {g}
                      </Badge>
                    ))}
                  </span>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
    </div>
  );
}
