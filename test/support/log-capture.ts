import { Logger, type INestApplication, type LoggerService, type LogLevel } from '@nestjs/common';

export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  /** The logger's context, e.g. `CorsModule`. */
  readonly context: string | undefined;
}

export const ALL_LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's static logger state, saved by `attach` and put back by `detach`. */
interface LoggerStatics {
  staticInstanceRef?: LoggerService;
  logLevels?: LogLevel[];
}

/**
 * A LoggerService that records what it is given. createApp() passes
 * `{ logger: false }`, which replaces any logger installed earlier, so attach it
 * in createApp's `configure` callback (after the app exists, before `init()`).
 */
export class LogCapture implements LoggerService {
  readonly entries: LogEntry[] = [];
  private saved?: LoggerStatics;

  log(message: unknown, ...rest: unknown[]): void {
    this.record('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.record('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.record('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.record('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.record('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.record('fatal', message, rest);
  }

  /**
   * Makes this the app's logger with the given levels enabled. The levels go to
   * `Logger.logLevels` too: `Logger.isLevelEnabled()` reads them for a custom
   * logger (and on Nest 11 only them).
   */
  attach(app: INestApplication, levels: LogLevel[] = ALL_LOG_LEVELS): void {
    const statics = Logger as unknown as LoggerStatics;
    this.saved ??= { staticInstanceRef: statics.staticInstanceRef, logLevels: statics.logLevels };
    app.useLogger(this);
    app.useLogger(levels);
  }

  /** Puts Nest's static logger back as it was before `attach`. */
  detach(): void {
    if (this.saved === undefined) return;
    Object.assign(Logger as unknown as LoggerStatics, this.saved);
    this.saved = undefined;
  }

  /** Entries of one context (default the library's), optionally of one level. */
  of(context = 'CorsModule', level?: LogLevel): LogEntry[] {
    return this.entries.filter(
      (entry) => entry.context === context && (level === undefined || entry.level === level),
    );
  }

  /** Messages of the library's logger at one level. */
  messages(level: LogLevel): string[] {
    return this.of('CorsModule', level).map((entry) => entry.message);
  }

  clear(): void {
    this.entries.length = 0;
  }

  private record(level: LogLevel, message: unknown, rest: unknown[]): void {
    // Nest's Logger passes its context as the last argument.
    const last = rest.at(-1);
    this.entries.push({
      level,
      message: typeof message === 'string' ? message : String(message),
      context: typeof last === 'string' ? last : undefined,
    });
  }
}
