// The user guide's screenshots (docs/user-guide.{en,fr}.md), taken from the
// real pages in a headless Chromium at 1024 x 768, one language per run.
// Run by the e2e harness (tests/e2e/guide.rs) with the base URL, a seller
// (Bob, who holds a title worth 2.00) and a buyer (Alice). Each picture is
// taken only once the page shows what the guide says it shows; the script
// exits non-zero on the first expectation that fails.
//
// A committed picture is kept when the page's words are the same as when
// it was taken (docs/screenshots/guide-shots.json keeps a fingerprint of
// them, with ISINs, times, hashes and ids blanked out) and at most
// KEEP_SHARE of its pixels differ (those values, drawn): so rebuilding the
// docs leaves `git status` clean when nothing changed, while a changed word
// or a changed layout redraws it.
//
//   node tests/browser/guide.mjs '{"base": "...", "lang": "en", ...}'

import { chromium } from 'playwright-core';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const input = JSON.parse(process.argv[2] ?? '{}');
const { base, lang, password, alice, bob, isin, screenshots } = input;
const KEEP_SHARE = 0.1;
const FINGERPRINTS = join(screenshots, 'guide-shots.json');
const fingerprints = existsSync(FINGERPRINTS) ? JSON.parse(readFileSync(FINGERPRINTS, 'utf8')) : {};

// The words each picture must show, as the pages print them.
const WORDS = {
  en: {
    register: 'Register', emulatorLink: "the emulator's account page",
    split: 'You pay less than its declared value', newValue: '3.00 EUR', sellerKeeps: '0.50 EUR',
    risk: 'You can lose what you pay.', processed: 'processed (2)', refund: 'Refund this payment',
    ledger: 'ledger',
  },
  fr: {
    register: 'Inscription', emulatorLink: "la page des comptes de l'émulateur",
    split: 'Vous payez moins que sa valeur déclarée', newValue: '3,00 EUR', sellerKeeps: '0,50 EUR',
    risk: 'Vous pouvez perdre ce que vous payez.', processed: 'traité (2)', refund: 'Rembourser ce paiement',
    ledger: 'registre',
  },
}[lang];

function expect(condition, message) {
  if (!condition) {
    throw new Error(`expectation failed (${lang}): ${message}`);
  }
}

const profile = mkdtempSync(join(tmpdir(), 'paybook-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  locale: lang === 'fr' ? 'fr-FR' : 'en-GB',
  viewport: { width: 1024, height: 768 },
  deviceScaleFactor: 1,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

// The share of pixels that differ between two PNGs (1 when their sizes
// differ), computed in the browser's own canvas.
async function differingShare(page, before, after) {
  return page.evaluate(async ([a, b]) => {
    const load = async (b64) => createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    const [x, y] = [await load(a), await load(b)];
    if (x.width !== y.width || x.height !== y.height) return 1;
    const pixels = (img) => {
      const canvas = new OffscreenCanvas(img.width, img.height);
      const g = canvas.getContext('2d');
      g.drawImage(img, 0, 0);
      return g.getImageData(0, 0, img.width, img.height).data;
    };
    const [p, q] = [pixels(x), pixels(y)];
    let differ = 0;
    for (let i = 0; i < p.length; i += 4) {
      if (p[i] !== q[i] || p[i + 1] !== q[i + 1] || p[i + 2] !== q[i + 2]) differ += 1;
    }
    return differ / (x.width * x.height);
  }, [before.toString('base64'), after.toString('base64')]);
}

// The page's words without what changes from run to run: ISINs, times,
// hashes, provider ids and the order's id.
const volatile = [];
function fingerprint(text) {
  const words = volatile.reduce((t, v) => t.replaceAll(v, 'ORDER'), text)
    .replace(/\bZZ[A-Z0-9]{10}\b/g, 'ISIN')
    .replace(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/g, 'TIME')
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?Z?/g, 'TIME')
    .replace(/\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]{8,}\b/g, 'ID')
    .replace(/\b[A-Z0-9]{12,}\b/g, 'ID');
  return createHash('sha256').update(words).digest('hex').slice(0, 16);
}

async function save(page, compare, name, clip) {
  const path = join(screenshots, name);
  const fresh = await page.screenshot(clip ? { clip } : {});
  const words = fingerprint(await page.innerText('body'));
  if (existsSync(path) && fingerprints[name] === words) {
    const share = await differingShare(compare, readFileSync(path), fresh);
    if (share <= KEEP_SHARE) {
      console.log(`${name}: kept (same words, ${(share * 100).toFixed(2)} % of pixels differ)`);
      return;
    }
  }
  console.log(`${name}: drawn`);
  mkdirSync(screenshots, { recursive: true });
  writeFileSync(path, fresh);
  fingerprints[name] = words;
  const sorted = Object.fromEntries(Object.entries(fingerprints).sort());
  writeFileSync(FINGERPRINTS, `${JSON.stringify(sorted, null, 2)}\n`);
}

async function logIn(page, who) {
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill('#email', who.email);
  await page.fill('#password', password);
  await page.click('button[type=submit]:not(nav button)');
  await page.waitForURL(/\/claims$/);
}

try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30000);
  const compare = await context.newPage();

  // 1. Register, in demonstration mode: the providers and the emulator's link.
  await page.goto(`${base}/register?lang=${lang}`);
  expect((await page.getAttribute('html', 'lang')) === lang, 'the page is in its language');
  expect((await page.textContent('h1')).includes(WORDS.register), 'the Register page');
  for (const provider of ['paypal', 'sips', 'monetico']) {
    expect(await page.isVisible(`#psp-${provider}`), `the ${provider} choice is offered`);
  }
  const hint = await page.textContent('#fields-paypal');
  expect(hint.includes(WORDS.emulatorLink), 'the PayPal fields link to the emulator');
  expect(await page.isVisible('#api_username'), 'the PayPal API fields');
  await save(page, compare, `guide-register-${lang}.png`);

  // 2. Alice previews a purchase below the title's value (1.50 of 2.00).
  await logIn(page, alice);
  await page.goto(`${base}/buy?isin=${isin}`);
  await page.fill('#amount', lang === 'fr' ? '1,50' : '1.50');
  await page.fill('#profit_rate', '100');
  await page.click('#preview');
  await page.waitForSelector('#pay');
  expect((await page.textContent('#case')).includes(WORDS.split), 'the preview names the split case');
  expect((await page.textContent('#new-value')).includes(WORDS.newValue), "the buyer's new title: 3.00");
  expect((await page.textContent('#seller-value')).includes(WORDS.sellerKeeps), 'the holder keeps 0.50');
  expect((await page.textContent('main')).includes(WORDS.risk), 'the risk notice');
  await save(page, compare, `guide-buy-preview-${lang}.png`);

  // 3. She pays on the emulator's checkout page: her order is processed.
  await page.click('#pay');
  await page.waitForURL(/\/_emulator\/paypal\/checkout/);
  await page.fill('#email', alice.paypal_email);
  await page.click('button[value=pay]');
  await page.waitForURL(/\/orders\/[a-z0-9]+$/);
  const orderUrl = page.url();
  volatile.push(orderUrl.split('/').pop());
  expect((await page.textContent('#status')).includes(WORDS.processed), 'the order is processed (2)');
  await save(page, compare, `guide-order-${lang}.png`);

  // 4. Bob, the seller, sees the refund form on the same order.
  await context.clearCookies();
  await logIn(page, bob);
  await page.goto(orderUrl);
  expect((await page.textContent('#status')).includes(WORDS.processed), 'the seller sees it processed');
  expect(await page.isVisible('#refund-form'), 'the refund form is offered to the seller');
  expect((await page.textContent('main')).includes(WORDS.refund), 'under its heading');
  // Only the refund section: the trace below it changes with every run.
  const heading = page.locator('h2', { hasText: WORDS.refund });
  await heading.evaluate((h) => h.scrollIntoView({ block: 'start' }));
  const top = await heading.boundingBox();
  const form = await page.locator('#refund-form').boundingBox();
  const clip = { x: 0, y: Math.max(0, top.y - 16), width: 1024, height: form.y + form.height - top.y + 40 };
  await save(page, compare, `guide-refund-${lang}.png`, clip);

  // 5. The history: the trades and the ledger's head.
  await page.goto(`${base}/history`);
  const head = (await page.textContent('#ledger-head-hash')).trim();
  expect(/^[0-9a-f]{64}$/.test(head), `the ledger head's hash is shown: ${head}`);
  expect((await page.textContent('main')).toLowerCase().includes(WORDS.ledger), 'under its heading');
  expect((await page.textContent('main')).includes(isin), 'the trades of the title are listed');
  await save(page, compare, `guide-history-${lang}.png`);

  console.log(`guide screenshots (${lang}): ok`);
} finally {
  await context.close();
}
