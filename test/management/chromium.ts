// Debian's chromium through playwright-core for the dashboard's browser tests: headless, no
// sandbox (containers), a fresh profile in a temp dir removed by close().
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Tests skip without it. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where browser tests put their screenshots (created on launch). */
export const SHOTS = join(process.cwd(), '.artifacts', 'screenshots');

const profiles = new WeakMap<BrowserContext, string>();

/** A browser context; close it with closeChromium (which removes its profile). */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  mkdirSync(SHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'warren-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
    viewport,
  });
  profiles.set(context, profile);
  return context;
}

/** Closes the browser, then removes its profile (chromium writes to it until it has exited). */
export async function closeChromium(context: BrowserContext): Promise<void> {
  await context.close();
  const profile = profiles.get(context);
  if (profile !== undefined)
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
