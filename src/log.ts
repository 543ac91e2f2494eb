// The agent's logger: one line per event on stderr, with an ISO time stamp, level and component.
// Small on purpose; components take a Logger so tests can capture or silence it.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(component: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(
  component = 'gwagent',
  minLevel: LogLevel = (process.env.GWAGENT_LOG_LEVEL as LogLevel | undefined) ?? 'info',
  sink: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const emit = (level: LogLevel, msg: string) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    sink(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${component}: ${msg}`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    child: (c) => createLogger(`${component}/${c}`, minLevel, sink),
  };
}

/** A logger that keeps lines in memory (tests) or drops them. */
export function memoryLogger(lines: string[] = []): Logger & { lines: string[] } {
  const base = createLogger('test', 'debug', (l) => lines.push(l));
  return Object.assign(base, { lines });
}
