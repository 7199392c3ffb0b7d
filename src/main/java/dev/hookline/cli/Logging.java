package dev.hookline.cli;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Log lines are written by an asynchronous appender; a process that exits must drain it first. */
public final class Logging {
  private Logging() {
  }

  /** Writes out every queued line (bounded by the appender's flush time) and stops logging. */
  public static void flush() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }
}
