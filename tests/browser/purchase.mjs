// One purchase in a real headless Chromium, in French, through the
// emulator's checkout page, as a person would click it. Run by the e2e
// harness (tests/e2e/browser.rs) with the base URL and the participants it
// registered; exits non-zero on any failed expectation and keeps a
// screenshot of the processed order as a test artifact.
//
//   node tests/browser/purchase.mjs '{"base": "...", "email": "...", ...}'

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const input = JSON.parse(process.argv[2] ?? '{}');
const { base, email, password, paypal_email: paypalEmail, isin, screenshot } = input;

function expect(condition, message) {
  if (!condition) {
    throw new Error(`expectation failed: ${message}`);
  }
}

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

  // Log in, in French.
  await page.goto(`${base}/login?lang=fr`);
  expect((await page.getAttribute('html', 'lang')) === 'fr', 'the page is in French');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]:not(nav button)');
  await page.waitForURL(/\/claims$/);
  expect((await page.textContent('body')).includes('Solde ISIN'), 'the claims page speaks French');

  // The purchase form, then the preview.
  await page.goto(`${base}/buy?isin=${isin}`);
  expect((await page.inputValue('#profit_rate')) === '', 'no pre-selected profit rate');
  await page.fill('#amount', '1,00');
  await page.fill('#profit_rate', '50');
  await page.click('#preview');
  await page.waitForSelector('#pay');
  const preview = await page.textContent('main');
  expect(preview.includes('le titre vous est transmis'), 'the preview names the case');
  expect(preview.includes('1,50 EUR'), 'the preview shows the new value in French format');
  expect(preview.includes('Vous pouvez perdre ce que vous payez.'), 'the risk notice is shown');

  // Pay on the emulator's checkout page (in French from LOCALECODE).
  await page.click('#pay');
  await page.waitForURL(/\/_emulator\/paypal\/checkout/);
  expect((await page.textContent('body')).includes('PayPal émulé'), 'the emulator banner is shown');
  await page.fill('#email', paypalEmail);
  await page.click('button[value=pay]');

  // Back on PayBook: the order is processed.
  await page.waitForURL(/\/orders\/[a-z0-9]+$/);
  const status = await page.textContent('#status');
  expect(status.includes('traité (2)'), `the order is processed: ${status}`);
  expect((await page.textContent('#explanation')).includes('Payé et enregistré.'), 'the order explains itself');

  if (screenshot) {
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  console.log('browser purchase: ok');
} finally {
  await context.close();
}
