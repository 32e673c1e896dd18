// Accessible pages, checked by axe-core (npm) in a real headless Chromium:
// every page a user meets, in English then in French, against the WCAG 2.1
// A and AA rules; the login and buy forms are filled and sent with the
// keyboard alone (Tab, typing, Enter). Run by tests/e2e/accessibility.rs;
// prints every violation (rule, page, node, message) with a count per rule
// and exits non-zero when there is any, or on a failed expectation.
//
//   node tests/browser/a11y.mjs '{"base": "...", "email": "...", "titles": {...}, ...}'

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const input = JSON.parse(process.argv[2] ?? '{}');
const { base, email, password, titles, operator } = input;
const paypalEmail = input.paypal_email;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

function expect(condition, message) {
  if (!condition) {
    throw new Error(`expectation failed: ${message}`);
  }
}

const violations = [];
const checked = [];

// Runs axe-core on the page as it is and records its violations under `name`.
async function audit(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    [...TAGS, 'best-practice'],
  );
  const incomplete = result.incomplete.flatMap((r) => r.nodes.map((n) => `${r.id} ${n.target.join(' ')}`));
  checked.push({ name, passes: result.passes.length, incomplete });
  for (const v of result.violations) {
    for (const node of v.nodes) {
      violations.push({
        rule: v.tags.some((tag) => TAGS.includes(tag)) ? v.id : `best-practice:${v.id}`,
        page: name,
        node: node.target.join(' '),
        message: node.failureSummary?.split('\n').slice(1).join(' ').trim() || v.help,
      });
    }
  }
}

async function visit(page, lang, path, name) {
  const sep = path.includes('?') ? '&' : '?';
  const response = await page.goto(`${base}${path}${sep}lang=${lang}`);
  await audit(page, `${name} [${lang}] ${path}`);
  return response;
}

// Presses Tab until the focus is on `#id` (at most 60 times): the field is
// reachable by keyboard in the page's order.
async function tabTo(page, id) {
  for (let i = 0; i < 60; i += 1) {
    if ((await page.evaluate(() => document.activeElement?.id)) === id) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`expectation failed: #${id} is reachable with Tab`);
}

// Types `text` into `#id`, reached by Tab, replacing what is there.
async function typeInto(page, id, text) {
  await tabTo(page, id);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

async function loginByKeyboard(page, lang, who, secret) {
  await page.goto(`${base}/login?lang=${lang}`);
  await typeInto(page, 'email', who);
  await typeInto(page, 'password', secret);
  await Promise.all([page.waitForURL(/\/claims$/), page.keyboard.press('Enter')]);
}

// The card provider's button on the preview, pressed with the keyboard: the
// checkout form goes to the emulated bank by itself; its card page.
async function cardPage(page, lang, provider, isin) {
  await page.goto(`${base}/buy?isin=${isin}&amount=1,00&profit_rate=50&lang=${lang}`);
  await tabTo(page, `pay`);
  await Promise.all([page.waitForURL(new RegExp(`/_emulator/${provider}/`)), page.keyboard.press('Enter')]);
  await page.waitForSelector('#card_number');
  await audit(page, `${provider} card page [${lang}]`);
}

async function pages(context, lang) {
  const t = titles[lang];
  await context.clearCookies();
  const page = await context.newPage();
  page.setDefaultTimeout(30000);

  // Anyone's pages.
  await visit(page, lang, '/', 'home');
  // The first Tab reaches the skip link; Enter moves to the main content.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.classList.contains('skip')), 'the first Tab is the skip link');
  await page.keyboard.press('Enter');
  expect(await page.evaluate(() => document.activeElement?.id) === 'main', 'the skip link moves the focus to the main content');
  await visit(page, lang, '/market', 'market');
  await visit(page, lang, `/titles/${t.paypal}`, 'title');
  await visit(page, lang, '/register', 'register');
  await visit(page, lang, '/login', 'login');
  const missing = await visit(page, lang, '/no-such-page', 'not found');
  expect(missing.status() === 404, 'a 404 page');
  await visit(page, lang, '/contact', 'contact');
  await visit(page, lang, '/docs', 'docs');
  await visit(page, lang, '/terms', 'terms');
  await visit(page, lang, '/source', 'source');
  await visit(page, lang, '/password-reset', 'password reset');
  const badFilter = await visit(page, lang, '/market?isin=not-an-isin', 'market filter error');
  expect(badFilter.status() === 422, `a refused filter: ${badFilter.status()}`);

  // The register form sent empty, by keyboard: its errors.
  await page.goto(`${base}/register?lang=${lang}`);
  await tabTo(page, 'email');
  await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
  await page.waitForSelector('[aria-invalid=true]');
  await audit(page, `register error [${lang}]`);

  // A form error, by keyboard: a wrong password.
  await page.goto(`${base}/login?lang=${lang}`);
  await typeInto(page, 'email', email);
  await typeInto(page, 'password', 'not the password');
  await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
  await page.waitForSelector('.error');
  expect((await page.inputValue('#email')) === email, 'what the user typed is kept');
  await audit(page, `login error [${lang}]`);

  // The buyer logs in and fills the buy form by keyboard alone.
  await loginByKeyboard(page, lang, email, password);
  await visit(page, lang, `/buy?isin=${t.paypal}`, 'buy');
  await tabTo(page, 'amount');
  await page.keyboard.type(lang === 'fr' ? '1,00' : '1.00');
  await typeInto(page, 'profit_rate', '50');
  await Promise.all([page.waitForURL(/amount=/), page.keyboard.press('Enter')]);
  await page.waitForSelector('#pay');
  expect((await page.textContent('#you-pay')).includes(lang === 'fr' ? '1,00' : '1.00'), 'the preview shows the typed amount');
  await audit(page, `buy preview [${lang}]`);

  // Pay with PayPal, by keyboard, on the emulator's checkout page.
  await tabTo(page, 'pay');
  await Promise.all([page.waitForURL(/\/_emulator\/paypal\/checkout/), page.keyboard.press('Enter')]);
  await audit(page, `paypal checkout [${lang}]`);
  await page.fill('#email', paypalEmail);
  await page.click('button[value=pay]');
  await page.waitForURL(/\/orders\/[a-z0-9]+$/);
  const order = new URL(page.url()).pathname;
  expect((await page.textContent('#status')).includes('(2)'), 'the order is processed');
  await visit(page, lang, order, 'order');

  await visit(page, lang, '/orders', 'orders');
  await visit(page, lang, '/claims', 'claims');
  await visit(page, lang, '/history', 'history');
  await visit(page, lang, '/account', 'account');
  await cardPage(page, lang, 'sips', t.sips);
  await cardPage(page, lang, 'monetico', t.monetico);

  // The operator's back office.
  await context.clearCookies();
  await loginByKeyboard(page, lang, operator, password);
  await visit(page, lang, '/admin', 'admin dashboard');
  await visit(page, lang, '/admin/payments', 'admin payments');
  await visit(page, lang, '/admin/titles', 'admin titles');
  await visit(page, lang, '/admin/outbox', 'admin outbox');
  await visit(page, lang, '/admin/audit', 'admin audit');
  await visit(page, lang, `${order.replace('/orders/', '/admin/orders/')}`, 'admin order');
  await page.close();
}

const profile = mkdtempSync(join(tmpdir(), 'paybook-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  // axe-core is injected into the page: the site's CSP (script-src 'self')
  // would refuse it.
  bypassCSP: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  for (const lang of ['en', 'fr']) {
    await pages(context, lang);
  }
} finally {
  await context.close();
}

const lines = [];
const perRule = {};
for (const c of checked) {
  lines.push(`checked: ${c.name}: ${c.passes} rules passed, to review: ${c.incomplete.join(', ') || 'none'}`);
}
for (const v of violations) {
  perRule[v.rule] = (perRule[v.rule] ?? 0) + 1;
  lines.push(`${v.rule} | ${v.page} | ${v.node} | ${v.message}`);
}
lines.push(`axe-core: ${checked.length} pages checked, ${violations.length} violations ${JSON.stringify(perRule)}`);
// Kept for the reader: which pages were checked and what axe-core said.
mkdirSync('test-artifacts', { recursive: true });
writeFileSync('test-artifacts/a11y-report.txt', `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
if (violations.length > 0) {
  process.exit(1);
}
console.log('accessibility: ok');
