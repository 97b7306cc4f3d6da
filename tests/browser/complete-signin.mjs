#!/usr/bin/env node
// Set as BROWSER for ExoNative's interactive sign-in tests: ExoNative starts it with the
// authorize URL as its only argument. It opens the URL in Debian's headless Chromium
// (driven by playwright-core, which never downloads a browser), fills the sandbox login page
// as the user named by the URL's login_hint (or EXONATIVE_TEST_BROWSER_USER, a key of
// sandbox.json's users), answers the one-time-code step when the page asks for it, and
// waits until the redirect has reached ExoNative's loopback listener. Then it closes the
// browser and exits.
//
// Environment:
//   EXONATIVE_TEST_SANDBOX_JSON   path of the sandbox's sandbox.json (the credentials)
//   EXONATIVE_TEST_BROWSER_USER   optional: a key of sandbox.json's users (admin, mfa, ...)
//   EXONATIVE_TEST_BROWSER_LOG    optional: a file that gets one JSON line per step: never a
//                                 password or code typed, but the sign-in's state and the
//                                 authorization code it carried, which the canary test looks
//                                 for in everything ExoNative wrote
//   EXONATIVE_TEST_CHROMIUM       optional: the browser executable (default /usr/bin/chromium)
//   EXONATIVE_TEST_BROWSER_ACTION optional: 'cancel' presses the page's Cancel button instead
//                                 of signing in (the user declines)
// It gives up after 90 seconds, so it never outlives a test.
import { readFileSync, appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const logFile = process.env.EXONATIVE_TEST_BROWSER_LOG;
function log(step, extra = {}) {
    if (logFile) {
        appendFileSync(logFile, JSON.stringify({ pid: process.pid, step, time: new Date().toISOString(), ...extra }) + '\n');
    }
}

const watchdog = setTimeout(() => {
    log('timeout');
    process.exit(3);
}, 90_000);

async function main() {
    const url = process.argv[2];
    if (!url) throw new Error('usage: complete-signin.mjs <authorize-url>');
    const info = JSON.parse(readFileSync(process.env.EXONATIVE_TEST_SANDBOX_JSON, 'utf8'));
    const hint = new URL(url).searchParams.get('login_hint');
    const key = process.env.EXONATIVE_TEST_BROWSER_USER;
    const user = key
        ? info.users[key]
        : Object.values(info.users).find(u => hint && u.userPrincipalName.toLowerCase() === hint.toLowerCase());
    if (!user) throw new Error(`no sandbox user for login_hint '${hint}' / EXONATIVE_TEST_BROWSER_USER '${key}'`);
    log('start', { user: user.userPrincipalName, state: new URL(url).searchParams.get('state') });

    const profile = mkdtempSync(join(tmpdir(), 'exo-chromium-'));
    let context;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath: process.env.EXONATIVE_TEST_CHROMIUM || '/usr/bin/chromium',
            headless: true,
            // The sandbox's certificate comes from its own CA, which this profile does not trust.
            ignoreHTTPSErrors: true,
            args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--disable-quic', '--no-proxy-server'],
        });
        const page = context.pages()[0] ?? await context.newPage();
        page.setDefaultTimeout(30_000);
        await page.goto(url);
        log('loginPage', { title: await page.title() });

        if (process.env.EXONATIVE_TEST_BROWSER_ACTION === 'cancel') {
            log('cancel');
            await Promise.all([page.waitForNavigation({ waitUntil: 'commit' }), page.click('#idBtn_Back')]);
        } else {
            await signIn(page, user);
        }
        // The sandbox redirects to http://localhost:<port>/?code=... (or ?error=...); ExoNative's listener answers.
        await page.waitForURL(u => (u.hostname === 'localhost' || u.hostname === '127.0.0.1') && u.protocol === 'http:', { waitUntil: 'load' });
        const text = (await page.textContent('body').catch(() => '')) ?? '';
        const landed = new URL(page.url());
        log('redirected', { port: landed.port, hasCode: landed.searchParams.has('code'), code: landed.searchParams.get('code'), error: landed.searchParams.get('error'), text: text.trim().slice(0, 200) });
    } finally {
        if (context) await context.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
    }
}

async function signIn(page, user) {
    await page.fill('#username', user.userPrincipalName);
    await page.fill('#password', user.password);
    await Promise.all([page.waitForNavigation({ waitUntil: 'commit' }), page.click('#idSIButton9')]);
    if (await page.locator('#password').count() > 0) {
        throw new Error(`the login page refused the password: ${await page.textContent('#usernameError').catch(() => '')}`);
    }

    if (await page.locator('#otp').count() > 0) {
        if (!user.otp) throw new Error('the page asks for a one-time code, and the user has none');
        log('otpStep');
        await page.fill('#otp', user.otp);
        await Promise.all([page.waitForNavigation({ waitUntil: 'commit' }), page.click('#idSIButton9')]);
    }
}

main().then(
    () => { log('done'); clearTimeout(watchdog); process.exit(0); },
    e => { log('failed', { message: String(e && e.message || e) }); console.error(`complete-signin: ${e && e.stack || e}`); clearTimeout(watchdog); process.exit(1); },
);
