// One purchase by card in a real headless Chromium, in French, through a
// card provider's emulated bank (Sips or Monetico), as a person would
// click it: the buy preview's button for that provider, the checkout form
// posted to the bank by /static/autosubmit.js, the bank's card page, and
// back on PayBook (Sips: its manual response, posted by the browser;
// Monetico: its return link) with the order processed. Run by
// tests/e2e/{sips,monetico}_purchase.rs; exits non-zero on any failed
// expectation and keeps a screenshot of the processed order.
//
//   node tests/browser/card_purchase.mjs '{"base": "...", "provider": "sips", ...}'

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const input = JSON.parse(process.argv[2] ?? '{}');
const { base, email, password, isin, provider, screenshot } = input;

function expect(condition, message) {
  if (!condition) {
    throw new Error(`expectation failed: ${message}`);
  }
}

expect(provider === 'sips' || provider === 'monetico', `a card provider: ${provider}`);
const profile = mkdtempSync(join(tmpdir(), 'paybook-chromium-'));
// A fresh profile each run; without the background-networking flags
// Chromium keeps trying to reach the internet, which this machine refuses.
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  locale: 'fr-FR',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30000);

  await page.goto(`${base}/login?lang=fr`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]:not(nav button)');
  await page.waitForURL(/\/claims$/);

  // The preview offers the seller's provider: pay by card with it.
  await page.goto(`${base}/buy?isin=${isin}`);
  await page.fill('#amount', '1,00');
  await page.fill('#profit_rate', '50');
  await page.click('#preview');
  const button = `button[name=psp][value=${provider}]`;
  await page.waitForSelector(button);
  expect((await page.textContent(button)).includes('Payer par carte'), 'a card button, in French');
  await page.click(button);

  // The checkout form goes to the bank by itself; its card page.
  await page.waitForURL(new RegExp(`/_emulator/${provider}/`));
  await page.waitForSelector('#card_number');
  expect((await page.textContent('main')).includes('1,00'), 'the card page shows the amount');
  await page.fill('#card_number', '4111111111111111');
  await page.click('button[value=pay]');

  // Back on PayBook: the bank's message has already completed the order.
  await page.waitForURL(/\/orders\/[a-z0-9]+$/);
  const status = await page.textContent('#status');
  expect(status.includes('traité (2)'), `the order is processed: ${status}`);

  if (screenshot) {
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  console.log(`browser card purchase (${provider}): ok`);
} finally {
  await context.close();
}
