// One purchase by card through the emulated Monetico bank in a real
// headless Chromium, in French, as a person would click it: the buy
// preview's Monetico button, the checkout form posted to the bank by
// /static/autosubmit.js, the bank's card page, back on PayBook with the
// order processed. Run by tests/e2e/monetico_purchase.rs; exits non-zero on
// any failed expectation and keeps a screenshot of the processed order.
//
//   node tests/browser/monetico_purchase.mjs '{"base": "...", "email": "...", ...}'

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const input = JSON.parse(process.argv[2] ?? '{}');
const { base, email, password, isin, screenshot } = input;

function expect(condition, message) {
  if (!condition) {
    throw new Error(`expectation failed: ${message}`);
  }
}

const profile = mkdtempSync(join(tmpdir(), 'paybook-chromium-'));
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

  // The preview offers the seller's provider: pay by card with Monetico.
  await page.goto(`${base}/buy?isin=${isin}`);
  await page.fill('#amount', '1,00');
  await page.fill('#profit_rate', '50');
  await page.click('#preview');
  await page.waitForSelector('button[name=psp][value=monetico]');
  await page.click('button[name=psp][value=monetico]');

  // The checkout form goes to the bank by itself; its card page, in French.
  await page.waitForSelector('#card_number');
  const card = await page.textContent('main');
  expect(card.includes('Monetico émulé'), 'the emulated bank says so');
  expect(card.includes('1,00'), 'the card page shows the amount');
  await page.fill('#card_number', '4000 0000 0000 0002');
  await page.click('button[value=pay]');

  // Back on PayBook: the notification has already completed the order.
  await page.waitForURL(/\/orders\/[a-z0-9]+$/);
  const status = await page.textContent('#status');
  expect(status.includes('traité (2)'), `the order is processed: ${status}`);

  if (screenshot) {
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  console.log('browser Monetico purchase: ok');
} finally {
  await context.close();
}
