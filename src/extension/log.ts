/**
 * The extension's logger: writes to a VS Code LogOutputChannel (or any sink with the same
 * methods) and passes every message and field through the shared redact(), plus the exact
 * secrets registered at run time (API keys, tokens), so none can reach the Output view.
 */
import { redact, type Logger } from '../util/logger.js';

/** The subset of vscode.LogOutputChannel the logger writes to. */
export interface LogSinkChannel {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The product's Logger (util/logger.ts), writing to the Output view, plus run-time secrets. */
export interface ExtensionLogger extends Logger {
  /** Registers a value that must never be written (a key or token known only at run time). */
  addSecret(secret: string): void;
  child(component: string): ExtensionLogger;
}

/** Creates a logger that redacts by construction; its children share its secrets. */
export function createExtensionLogger(channel: LogSinkChannel, component = 'kairos'): ExtensionLogger {
  const secrets = new Set<string>();
  const scrub = (s: string): string => {
    let out = s;
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    return out;
  };
  const tagged = (tag: string): ExtensionLogger => {
    const format = (message: string, fields?: Record<string, unknown>): string => {
      const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(redact(fields)) : '';
      return scrub(`[${tag}] ${String(redact(message))}${extra}`);
    };
    return {
      debug: (m, f) => channel.debug(format(m, f)),
      info: (m, f) => channel.info(format(m, f)),
      warn: (m, f) => channel.warn(format(m, f)),
      error: (m, f) => channel.error(format(m, f)),
      addSecret: (secret) => {
        // Very short values would redact ordinary words; real keys and tokens are long.
        if (secret.length >= 8) secrets.add(secret);
      },
      child: (sub) => tagged(`${tag}.${sub}`),
    };
  };
  return tagged(component);
}
