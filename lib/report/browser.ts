// Headless Chromium through playwright-core, for looking at what an operator
// sees: the generated Allure report, or a dashboard during a fault. Uses the
// system Chromium (Debian package `chromium`): playwright's own browser
// download is not available on the machines this runs on.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.TROVE_HA_CHROMIUM ?? '/usr/bin/chromium';

// Without these, Chromium tries to reach Google's services at start-up.
const QUIET_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install the Debian package chromium, or set TROVE_HA_CHROMIUM`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: QUIET_FLAGS, headless: true });
}

export interface PageView {
  title: string;
  text: string;
}

/** Open a page (file:// or http://), wait until `readyText` shows, screenshot it, return its text. */
export async function viewPage(url: string, screenshotPath: string, readyText: string, timeoutMs = 30_000): Promise<PageView> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url, { timeout: timeoutMs });
    await page.getByText(readyText).first().waitFor({ timeout: timeoutMs });
    await page.screenshot({ path: screenshotPath, fullPage: false });
    return { title: await page.title(), text: await page.innerText('body') };
  } finally {
    await browser.close();
  }
}
