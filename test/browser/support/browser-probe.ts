import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

/** A `fetch()` the page makes. */
export interface FetchSpec {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly credentials?: 'omit' | 'same-origin' | 'include';
  /** Response headers the page tries to read with `response.headers.get()`. */
  readonly read?: readonly string[];
}

/** What the page's script sees: a response, or the one error every CORS failure gives. */
export type PageVerdict =
  | {
      readonly outcome: 'allowed';
      readonly status: number;
      readonly body: string;
      readonly headers: Readonly<Record<string, string | null>>;
    }
  | { readonly outcome: 'blocked'; readonly error: string };

interface CorsFailure {
  readonly url: string | undefined;
  readonly corsError: string;
}

/**
 * Listens to the DevTools protocol for the reason behind each blocked request
 * (`Network.loadingFailed` -> `corsErrorStatus.corsError`), which the page never
 * sees: its `fetch()` only rejects with `TypeError: Failed to fetch`.
 */
export class CorsErrorWatcher {
  private readonly urls = new Map<string, string>();
  private readonly failures: CorsFailure[] = [];

  private constructor() {}

  static async attach(page: Page): Promise<CorsErrorWatcher> {
    const watcher = new CorsErrorWatcher();
    const cdp: CDPSession = await page.context().newCDPSession(page);
    cdp.on('Network.requestWillBeSent', (event) => {
      watcher.urls.set(event.requestId, event.request.url);
    });
    cdp.on('Network.loadingFailed', (event) => {
      if (event.corsErrorStatus === undefined) return;
      watcher.failures.push({
        url: watcher.urls.get(event.requestId),
        corsError: event.corsErrorStatus.corsError,
      });
    });
    await cdp.send('Network.enable');
    return watcher;
  }

  /** The reasons recorded so far for requests to `url`, in order. */
  reasonsFor(url: string): string[] {
    return this.failures.filter((f) => f.url === url).map((f) => f.corsError);
  }

  /**
   * Waits until `count` reasons for `url` have arrived: the event comes shortly
   * after the page's promise rejects. Returns what arrived by the deadline.
   */
  async waitForReasons(url: string, count: number, timeoutMs = 3000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.reasonsFor(url).length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.reasonsFor(url);
  }
}

/** A browser context (own cookies, own preflight cache), its page at an origin, and the page's CORS errors. */
export interface OriginPage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly cors: CorsErrorWatcher;
}

export interface OpenOptions {
  /** Cookies the context holds before the page loads. */
  readonly cookies?: Parameters<BrowserContext['addCookies']>[0];
}

/** Opens `url` in a new context. */
async function open(browser: Browser, url: string, options: OpenOptions = {}): Promise<OriginPage> {
  const context = await browser.newContext();
  try {
    if (options.cookies !== undefined) await context.addCookies(options.cookies);
    const page = await context.newPage();
    page.setDefaultTimeout(5000); // a broken page fails fast, not at the test timeout
    const cors = await CorsErrorWatcher.attach(page);
    await page.goto(url);
    return { context, page, cors };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** Opens `url` in a new context, runs `use`, and always closes the context. */
export async function withPage<T>(
  browser: Browser,
  url: string,
  use: (opened: OriginPage) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const opened = await open(browser, url, options);
  try {
    return await use(opened);
  } finally {
    await opened.context.close();
  }
}

/** Runs one `fetch()` in the page and reports what the page saw. */
export function fetchInPage(page: Page, spec: FetchSpec): Promise<PageVerdict> {
  return page.evaluate(async ({ url, method, headers, body, credentials, read }) => {
    try {
      const response = await fetch(url, { method, headers, body, credentials });
      const text = await response.text();
      const exposed: Record<string, string | null> = {};
      for (const name of read ?? []) exposed[name] = response.headers.get(name);
      return { outcome: 'allowed', status: response.status, body: text, headers: exposed } as const;
    } catch (error) {
      return { outcome: 'blocked', error: String(error) } as const;
    }
  }, spec);
}

/** What one case produced in the browser. */
export interface BrowseResult {
  /** The page's verdict for each `fetch()`, in order. */
  readonly verdicts: readonly PageVerdict[];
  /** Chromium's reason for each blocked `fetch()` of that URL, in order (none when all passed). */
  readonly corsErrors: readonly string[];
}

/** Makes the same `fetch()` `times` times in a row and collects the reasons for blocks. */
export async function browse(
  { page, cors }: OriginPage,
  spec: FetchSpec,
  times = 1,
): Promise<BrowseResult> {
  const verdicts: PageVerdict[] = [];
  for (let i = 0; i < times; i++) verdicts.push(await fetchInPage(page, spec));
  const blocked = verdicts.filter((v) => v.outcome === 'blocked').length;
  return { verdicts, corsErrors: await cors.waitForReasons(spec.url, blocked) };
}

/**
 * Pages for the suite. A new context costs a renderer process (150-400 ms here),
 * so pages are shared per origin: cases that give every request a URL of its own
 * cannot meet each other in the preflight cache, which is keyed by URL. Cases
 * that count preflight-cache hits take a fresh context all the same.
 */
export class PageSessions {
  private readonly shared = new Map<string, Promise<OriginPage>>();
  private readonly contexts: BrowserContext[] = [];

  constructor(
    private readonly browser: Browser,
    /** What every context starts with (cookies). */
    private readonly options: OpenOptions = {},
  ) {}

  /** The shared page at `origin` (opened on first use). */
  page(origin: string): Promise<OriginPage> {
    let opened = this.shared.get(origin);
    if (opened === undefined) {
      opened = open(this.browser, `${origin}/`, this.options).then((page) => {
        this.contexts.push(page.context);
        return page;
      });
      this.shared.set(origin, opened);
    }
    return opened;
  }

  /** A page at `origin` in a new context, closed after `use`. */
  fresh<T>(origin: string, use: (opened: OriginPage) => Promise<T>): Promise<T> {
    return withPage(this.browser, `${origin}/`, use, this.options);
  }

  async close(): Promise<void> {
    await Promise.all(this.contexts.map((context) => context.close()));
  }
}
