// The pages at a phone's width (390 x 844 CSS pixels, a touch screen) in a
// real headless Chromium: none may scroll sideways
// (`document.documentElement.scrollWidth <= 390`; tables scroll inside
// their own box). Run by the e2e harness (tests/e2e/seo.rs) with the base
// URL, a buyer who bought a title (the order's id); exits non-zero
// naming the page and the elements that stick out, and saves screenshots
// of the home page (English) and of a title's page (French).
//
//   node tests/browser/mobile.mjs '{"base": "...", "email": "...", ...}'

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const input = JSON.parse(process.argv[2] ?? '{}');
const { base, email, password, isin, order_id: orderId, screenshots } = input;
const WIDTH = 390;

const profile = mkdtempSync(join(tmpdir(), 'paybook-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: WIDTH, height: 844 },
  deviceScaleFactor: 1,
  isMobile: true,
  hasTouch: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

// The page's width, and what sticks out past the screen when it is too wide.
async function widthOf(page) {
  return page.evaluate((width) => {
    const scrollWidth = document.documentElement.scrollWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5)
      .filter((e) => !e.closest('table') || e.tagName === 'TABLE')
      .slice(0, 5)
      .map((e) => `<${e.tagName.toLowerCase()} id="${e.id}" class="${e.className}"> right=${Math.round(e.getBoundingClientRect().right)}`);
    return { scrollWidth, wide };
  }, WIDTH);
}

const failures = [];
async function check(page, path, screenshot) {
  const response = await page.goto(`${base}${path}`);
  const status = response?.status() ?? 0;
  if (status >= 400) {
    failures.push(`${path}: HTTP ${status}`);
    return;
  }
  const { scrollWidth, wide } = await widthOf(page);
  console.log(`${path}: scrollWidth ${scrollWidth}`);
  if (scrollWidth > WIDTH) {
    failures.push(`${path}: scrollWidth ${scrollWidth} > ${WIDTH}: ${wide.join('; ')}`);
  }
  if (screenshot) {
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
}

try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30000);
  await check(page, '/?lang=en', screenshots && join(screenshots, 'mobile-home-en.png'));
  for (const path of ['/market', '/history', '/isin?code=US0378331006', '/register', '/login', '/terms', '/contact', '/docs', '/source', '/no-such-page-of-paybook']) {
    if (path.startsWith('/no-such')) {
      // The error page answers 404: checked apart from the status.
      await page.goto(`${base}${path}`);
      const { scrollWidth } = await widthOf(page);
      if (scrollWidth > WIDTH) failures.push(`${path}: scrollWidth ${scrollWidth}`);
      continue;
    }
    await check(page, path);
  }
  await check(page, `/titles/${isin}?lang=fr`, screenshots && join(screenshots, 'mobile-title-fr.png'));
  await check(page, '/market?lang=fr');
  await check(page, '/register?lang=fr');

  // Signed in: his own pages, in French.
  await page.goto(`${base}/login?lang=fr`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]:not(nav button)');
  await page.waitForURL(/\/claims$/);
  for (const path of ['/claims', '/orders', `/orders/${orderId}`, '/account', `/buy?isin=${isin}`,
    `/titles/${isin}`, '/history', '/']) {
    await check(page, path);
  }
  if (failures.length > 0) {
    throw new Error(`wider than ${WIDTH} px:\n${failures.join('\n')}`);
  }
  console.log('mobile layout: ok');
} finally {
  await context.close();
}
