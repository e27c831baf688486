// Browser flow "admin": users with consent, a class with members, data export, the pupil's first login and the language switch.
import fs from 'node:fs';
import { adminLogin, check, isMain, login, runFlows, screenshot, setNewPassword, startSchool } from './lib.mjs';

/** Creates a user through the form; `consents` are the labels of the boxes to tick ("Eltern", …). */
async function createUser(flow, page, { login, name, role, birthDate, consents = [] }) {
  const form = page.getByTestId('create-user-form');
  await form.getByLabel('Anmeldename').fill(login);
  await form.getByLabel('Anzeigename').fill(name);
  await form.getByLabel('Rolle').selectOption(role);
  if (birthDate) await form.getByLabel('Geburtsdatum (optional)').fill(birthDate);
  const consentBox = form.getByTestId('consent-fieldset');
  check((await consentBox.isVisible()) === (role === 'pupil'), `the consent fieldset is shown exactly for pupils (role ${role})`);
  for (const label of consents) await consentBox.getByLabel(label, { exact: true }).check();
  await form.getByRole('button', { name: 'Anlegen' }).click();
  const secret = page.getByTestId('initial-password');
  await page.getByTestId('secret-box').getByText(`Erstpasswort für ${login}`).waitFor();
  const password = (await secret.textContent())?.trim() ?? '';
  check(password.length >= 8, `initial password for ${login} is shown (got "${password}")`);
  await page.getByTestId('user-table').getByTestId(`user-row-${login}`).waitFor();
  await page.getByRole('button', { name: 'Verstanden' }).click();
  await secret.waitFor({ state: 'detached' });
  flow.log(`created ${role} ${login}`);
  return password;
}

async function addMember(flow, page, login, roleLabel) {
  const form = page.getByTestId('add-member-form');
  const select = form.getByLabel('Benutzer', { exact: true });
  const option = select.locator('option', { hasText: `(${login})` });
  await option.waitFor({ state: 'attached' });
  await select.selectOption(await option.getAttribute('value'));
  await form.getByLabel('Rolle in der Gruppe').selectOption({ label: roleLabel });
  await form.getByRole('button', { name: 'Hinzufügen' }).click();
  const row = page.getByTestId('member-list').getByTestId(`member-${login}`);
  await row.getByText(roleLabel, { exact: true }).waitFor();
  flow.log(`added ${login} as ${roleLabel}`);
}

export async function adminFlow(flow) {
  const school = await startSchool(flow);
  const { page } = school;

  // 1. Admin logs in and has to replace the bootstrap password.
  const nav = await adminLogin(flow, school);
  await screenshot(page, 'admin_dashboard.png');

  // 2. A pupil (12 years old, so the parents' consent suffices) created with that consent ticked
  //    starts active; a teacher needs no consent.
  await nav.getByRole('link', { name: 'Benutzer', exact: true }).click();
  await page.getByTestId('user-table').waitFor();
  const form = page.getByTestId('create-user-form');
  await form.getByLabel('Geburtsdatum (optional)').fill('2014-03-01');
  await form.getByTestId('consent-outcome').getByText('Das Konto wird eingeschränkt angelegt.').waitFor();
  await form.getByTestId('consent-fieldset').getByLabel('Eltern', { exact: true }).check();
  await form.getByTestId('consent-outcome').getByText('Das Konto wird aktiv angelegt.').waitFor();
  await form.getByTestId('consent-fieldset').getByLabel('Eltern', { exact: true }).uncheck();
  const pupilPassword = await createUser(flow, page, {
    login: 'max.muster',
    name: 'Max Muster',
    role: 'pupil',
    birthDate: '2014-03-01',
    consents: ['Eltern'],
  });
  const pupilRow = page.getByTestId('user-row-max.muster');
  await pupilRow.getByText('Aktiv', { exact: true }).waitFor();
  flow.log('pupil with the parents\' consent is active');
  await createUser(flow, page, { login: 'anna.lehrer', name: 'Anna Lehrer', role: 'teacher' });
  await form.getByLabel('Rolle').selectOption('pupil');
  await form.getByLabel('Geburtsdatum (optional)').fill('2011-06-01');
  await screenshot(page, 'users.png');

  // The data export ("Datenauskunft") downloads a JSON document about the pupil.
  const [exported] = await Promise.all([page.waitForEvent('download'), pupilRow.getByTestId('user-export').click()]);
  const exportText = fs.readFileSync(await exported.path(), 'utf8');
  check(exportText.includes('max.muster'), 'the data export names the pupil');
  JSON.parse(exportText);
  flow.log('data export downloaded');

  await nav.getByRole('link', { name: 'Gruppen', exact: true }).click();
  const groupForm = page.getByTestId('create-group-form');
  await groupForm.getByLabel('Name').fill('5a');
  await groupForm.getByLabel('Art').selectOption('class');
  await groupForm.getByRole('button', { name: 'Anlegen' }).click();
  await page.getByTestId('group-detail').getByRole('heading', { name: '5a' }).waitFor();
  flow.log('created class 5a');
  await addMember(flow, page, 'max.muster', 'Mitglied');
  await addMember(flow, page, 'anna.lehrer', 'Leitung');
  await page.getByRole('link', { name: 'Alle Gruppen' }).click();
  await page.getByTestId('group-list').getByTestId('group-row-5a').getByRole('cell', { name: '2', exact: true }).waitFor();

  // 3. Log out; the pupil logs in with the initial password, sets an own one, and sees class 5a.
  await page.getByTestId('logout').click();
  await page.getByTestId('login-form').waitFor();
  flow.log('admin logged out');
  await login(flow, page, 'max.muster', pupilPassword, school.boot.school.slug);
  await setNewPassword(page, 'Schueler-Passwort-1');
  await page.getByRole('heading', { name: 'Hallo, Max Muster!' }).waitFor();
  const myClass = page.getByTestId('my-groups').getByTestId('my-group').filter({ hasText: '5a' });
  await myClass.waitFor();
  check((await myClass.textContent()).includes('Klasse'), 'class 5a is labelled "Klasse"');
  check((await nav.getByRole('link').allTextContents()).join('|') === 'Übersicht', 'a pupil sees no admin links');
  check((await page.getByTestId('module-tiles').count()) === 0, 'no module tiles while the school has no module enabled');
  flow.log('pupil dashboard lists 5a');

  // 4. Screenshot of the pupil's dashboard.
  await screenshot(page, 'dashboard.png');

  // 5. Switch to English; the choice survives a reload.
  await page.getByTestId('lang-switch').getByRole('button', { name: 'EN' }).click();
  await page.getByRole('heading', { name: 'My classes and groups' }).waitFor();
  await page.getByRole('heading', { name: 'Hello, Max Muster!' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'My classes and groups' }).waitFor();
  check((await page.locator('html').getAttribute('lang')) === 'en', 'html lang follows the language switch');
  flow.log('English UI works');

  // The user menu leads to the session list, which shows this session.
  await page.getByTestId('user-menu').locator('summary').click();
  await page.getByTestId('user-menu').getByRole('link', { name: 'My sessions' }).click();
  await page.getByTestId('session-list').getByText('This session').waitFor();

  // 6. Nothing left the origin; no uncaught script errors.
  school.assertClean();
}

if (isMain(import.meta.url)) await runFlows([['admin_flow', adminFlow]]);
