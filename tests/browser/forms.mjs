// The forms check as the user types (issue 21), in a real headless
// Chromium, in English and in French. For each input of a table, typed in a
// page with JavaScript and left (Tab), the message appears under the field
// before anything is sent; the same input sent by a browser without
// JavaScript gets the same words from the server, with what was typed kept.
// The error's markup is the same on both sides (p.error[role=alert] named by
// the field's aria-describedby, the field aria-invalid); fixing the value
// clears it; valid forms still go through (login, the buy preview). The
// refund form's message is compared by its text only (the server shows it
// above the form). Run by
// tests/e2e/forms.rs with the base URL and a registered buyer; exits
// non-zero on any failed expectation.
//
//   node tests/browser/forms.mjs '{"base": "...", "email": "...", "password": "...", "isin": "..."}'

import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const input = JSON.parse(process.argv[2] ?? '{}');
const { base, email, password, isin, seller, order } = input;

function expect(condition, message) {
  if (!condition) {
    throw new Error(`expectation failed: ${message}`);
  }
}

// A valid ISIN with another check digit.
const badIsin = isin.slice(0, 11) + String((Number(isin[11]) + 1) % 10);
const moneticoKey = '0123456789ABCDEF0123456789ABCDEF01234567';

// Each case: the page, the provider chosen (receiving fields), the other
// fields' values, the field, a bad value and a good one.
const anonymous = [
  { path: '/register', id: 'email', bad: 'nope', good: 'someone@example.org' },
  { path: '/register', id: 'email', bad: 'a@example', good: 'a@example.org' },
  { path: '/register', id: 'email', bad: '', good: 'a@example.org' },
  { path: '/register', id: 'password', bad: 'short', good: 'long enough' },
  { path: '/register', id: 'api_username', bad: 'a b', good: 'ab_api1.example.org' },
  { path: '/register', id: 'api_signature', bad: '  ', good: 'SIG' },
  { path: '/register', id: 'accept_terms', bad: false, good: true },
  { path: '/register', psp: 'sips', id: 'sips_merchant_id', bad: '12345', good: '123456789012345',
    others: { sips_secret_key: 'secret', sips_key_version: '1' } },
  { path: '/register', psp: 'sips', id: 'sips_key_version', bad: '0', good: '2',
    others: { sips_merchant_id: '123456789012345', sips_secret_key: 'secret' } },
  { path: '/register', psp: 'monetico', id: 'monetico_tpe', bad: '12 4567', good: '1234567',
    others: { monetico_societe: 'site', monetico_key: moneticoKey } },
  { path: '/register', psp: 'monetico', id: 'monetico_key', bad: 'XYZ', good: moneticoKey,
    others: { monetico_tpe: '1234567', monetico_societe: 'site' } },
  { path: '/login', id: 'email', bad: 'x@.org', good: 'x@example.org', others: { password: 'x' } },
  { path: '/login', id: 'password', bad: '', good: 'x', others: { email: 'x@example.org' } },
  { path: '/password-reset', id: 'email', bad: 'b@', good: 'b@example.org' },
];
const signedIn = [
  { path: '/buy', id: 'isin', bad: badIsin, good: isin, others: { amount: '1', profit_rate: '50' } },
  { path: '/buy', id: 'amount', bad: '1.234', good: '1.23', others: { isin, profit_rate: '50' } },
  { path: '/buy', id: 'amount', bad: '0,50', good: '1,50', others: { isin, profit_rate: '50' } },
  { path: '/buy', id: 'amount', bad: '10000.01', good: '10000', others: { isin, profit_rate: '50' } },
  { path: '/buy', id: 'profit_rate', bad: '101', good: '100', others: { isin, amount: '1' } },
  { path: '/account', id: 'new_password', bad: 'short', good: 'long enough', others: { current_password: password } },
  { path: '/account', id: 'current_password', bad: '', good: 'x', others: { new_password: 'long enough' } },
];
// The seller's refund form: the server says it above the form.
const refund = [
  { path: `/orders/${order}`, id: 'current_password', bad: '', good: 'x', serverNote: 'refund-error' },
];

async function setValue(page, id, value) {
  if (typeof value === 'boolean') {
    // Ticked then set: the box was edited either way.
    await page.check(`#${id}`);
    if (!value) {
      await page.uncheck(`#${id}`);
    }
  } else {
    if (value === '') {
      // Something first: emptying the field is an edit too.
      await page.fill(`#${id}`, 'x');
    }
    await page.fill(`#${id}`, value);
  }
}

async function open(page, lang, c) {
  const sep = c.path.includes('?') ? '&' : '?';
  await page.goto(`${base}${c.path}${sep}lang=${lang}`);
  if (c.psp) {
    await page.check(`#psp-${c.psp}`);
  }
  for (const [id, value] of Object.entries(c.others ?? {})) {
    await page.fill(`#${id}`, value);
  }
}

// The field's error as the page shows it: text and markup.
async function errorOf(page, id) {
  const note = page.locator(`#${id}-error`);
  const field = page.locator(`#${id}`);
  if ((await note.count()) === 0) {
    return { text: '', invalid: await field.getAttribute('aria-invalid') };
  }
  return {
    text: (await note.textContent()).trim(),
    role: await note.getAttribute('role'),
    className: await note.getAttribute('class'),
    invalid: await field.getAttribute('aria-invalid'),
    describedBy: await field.getAttribute('aria-describedby'),
  };
}

function sameMarkup(error, id, where) {
  expect(error.role === 'alert' && error.className === 'error', `${where}: p.error[role=alert]: ${JSON.stringify(error)}`);
  expect(error.invalid === 'true' && error.describedBy === `${id}-error`, `${where}: the field is aria-invalid and described by its error: ${JSON.stringify(error)}`);
}

// With JavaScript: typed and left, the message shows before any request;
// fixed, it goes.
async function withScript(page, lang, c) {
  await open(page, lang, c);
  await page.evaluate(() => { window.stillHere = true; });
  await setValue(page, c.id, c.bad);
  await page.keyboard.press('Tab');
  const shown = await errorOf(page, c.id);
  const where = `[${lang}] ${c.path} #${c.id}=${JSON.stringify(c.bad)} with JavaScript`;
  expect(shown.text !== '', `${where}: a message is shown`);
  sameMarkup(shown, c.id, where);
  expect(await page.evaluate(() => window.stillHere === true), `${where}: nothing was sent`);
  await setValue(page, c.id, c.good);
  const fixed = await errorOf(page, c.id);
  expect(fixed.text === '' && fixed.invalid === null, `${where}: fixing it clears it: ${JSON.stringify(fixed)}`);
  // Bad again, then sent: the script keeps the form and says why.
  await setValue(page, c.id, c.bad);
  await page.locator(`form:has(#${c.id}) button[type=submit]`).first().click();
  expect(await page.evaluate(() => window.stillHere === true), `${where}: the form is not sent`);
  expect((await errorOf(page, c.id)).text === shown.text, `${where}: the message stays on submit`);
  return shown.text;
}

// Without JavaScript: the server's answer.
let addressCount = 0;
// A new client address for the browser's next requests: the register
// form's rate limit is per address, and this test must not eat another's.
async function newAddress(context) {
  addressCount += 1;
  await context.setExtraHTTPHeaders({ 'CF-Connecting-IP': `10.21.${process.pid % 250}.${addressCount}` });
}

async function withoutScript(context, page, lang, c) {
  await newAddress(context);
  await open(page, lang, c);
  await setValue(page, c.id, c.bad);
  await Promise.all([
    page.waitForLoadState('load'),
    page.locator(`form:has(#${c.id}) button[type=submit]`).first().click(),
  ]);
  const where = `[${lang}] ${c.path} #${c.id}=${JSON.stringify(c.bad)} without JavaScript`;
  if (c.serverNote) {
    return (await page.textContent(`#${c.serverNote}`)).trim();
  }
  await page.waitForSelector(`#${c.id}-error`);
  const answered = await errorOf(page, c.id);
  sameMarkup(answered, c.id, where);
  const kind = await page.getAttribute(`#${c.id}`, 'type');
  if (kind !== 'password' && kind !== 'checkbox') {
    expect((await page.inputValue(`#${c.id}`)) === c.bad, `${where}: what was typed is kept`);
  }
  return answered.text;
}

async function compare(scripted, plain, lang, cases) {
  const messages = [];
  for (const c of cases) {
    const shown = await withScript(scripted.page, lang, c);
    const answered = await withoutScript(plain.context, plain.page, lang, c);
    expect(shown === answered, `[${lang}] ${c.path} #${c.id}=${JSON.stringify(c.bad)}: the page says "${shown}", the server "${answered}"`);
    messages.push(`${lang} ${c.path} #${c.id} ${JSON.stringify(c.bad)}: ${shown}`);
  }
  return messages;
}

async function login(page, lang, who) {
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill('#email', who);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/claims$/), page.click('main button[type=submit]')]);
}

async function browser(javaScriptEnabled) {
  const profile = mkdtempSync(join(tmpdir(), 'paybook-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    javaScriptEnabled,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30000);
  return { context, page };
}

const scripted = await browser(true);
const plain = await browser(false);
await newAddress(scripted.context);
try {
  const lines = [];
  for (const lang of ['en', 'fr']) {
    await scripted.context.clearCookies();
    await plain.context.clearCookies();
    lines.push(...(await compare(scripted, plain, lang, anonymous)));
    // A valid form still goes through: the login, then the buy preview.
    await login(scripted.page, lang, email);
    await login(plain.page, lang, email);
    lines.push(...(await compare(scripted, plain, lang, signedIn)));
    await scripted.page.goto(`${base}/buy?isin=${isin}&lang=${lang}`);
    await scripted.page.fill('#amount', lang === 'fr' ? '1,00' : '1.00');
    await scripted.page.fill('#profit_rate', '50');
    await Promise.all([scripted.page.waitForURL(/amount=/), scripted.page.click('#preview')]);
    await scripted.page.waitForSelector('#pay');
    for (const side of [scripted, plain]) {
      await side.context.clearCookies();
      await login(side.page, lang, seller);
    }
    lines.push(...(await compare(scripted, plain, lang, refund)));
  }
  console.log(lines.join('\n'));
  console.log(`forms: ${lines.length} inputs, the same message with and without JavaScript`);
} finally {
  await scripted.context.close();
  await plain.context.close();
}
