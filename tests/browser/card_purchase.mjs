// One purchase by card in a real headless Chromium, through a card
// provider's emulated payment page (Sips or Monetico), as a person would
// click it: the buy preview's card button, the checkout page that posts
// itself to the bank (JavaScript on), the card form, and back to the
// order, processed. Run by the e2e harness (tests/e2e/card_browser.rs);
// exits non-zero on any failed expectation and keeps a screenshot.
//
//   node tests/browser/card_purchase.mjs '{"base": "...", "provider": "sips", ...}'

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const input = JSON.parse(process.argv[2] ?? '{}');
const { base, email, password, isin, provider, screenshot } = input;
const bankPage = {
  sips: /\/_emulator\/sips\//,
  monetico: /\/_emulator\/monetico\//,
}[provider];

function expect(condition, message) {
  if (!condition) {
    throw new Error(`expectation failed: ${message}`);
  }
}

expect(bankPage, `a known card provider: ${provider}`);
const profile = mkdtempSync(join(tmpdir(), 'paybook-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  locale: 'en-GB',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30000);

  await page.goto(`${base}/login?lang=en`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]:not(nav button)');
  await page.waitForURL(/\/claims$/);

  // The preview offers paying by card: the holder only takes cards here.
  await page.goto(`${base}/buy?isin=${isin}`);
  await page.fill('#amount', '2.00');
  await page.fill('#profit_rate', '100');
  await page.click('#preview');
  await page.waitForSelector('#pay');
  const label = await page.textContent('#pay');
  expect(label.includes('Pay by card'), `the first way to pay is the card: ${label}`);

  // The checkout page posts the sealed form to the bank by itself.
  await page.click('#pay');
  await page.waitForURL(bankPage);
  await page.waitForSelector('#card_number');
  expect((await page.textContent('#amount')).includes('2'), 'the bank shows the amount');
  await page.fill('#card_number', '4111111111111111');
  await page.click('button[value=pay]');

  // Back on PayBook (Sips: its manual response, posted by the browser;
  // Monetico: its return link): the order is processed.
  await page.waitForURL(/\/orders\/[a-z0-9]+$/);
  const status = await page.textContent('#status');
  expect(status.includes('(2)'), `the order is processed: ${status}`);

  if (screenshot) {
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  console.log(`browser card purchase (${provider}): ok`);
} finally {
  await context.close();
}
