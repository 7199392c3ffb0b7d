package dev.hookline.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Records what a logger (and the loggers below it) writes while a test runs; close to detach. */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Level levelBefore;

  private LogCapture(Logger logger, Level level) {
    this.logger = logger;
    this.levelBefore = logger.getLevel();
    if (level != null) {
      logger.setLevel(level);
    }
    appender.setName("test-capture-" + System.identityHashCode(this));
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  public static LogCapture of(Class<?> source) {
    return new LogCapture((Logger) LoggerFactory.getLogger(source), null);
  }

  /** As {@link #of}, with the logger at DEBUG while the capture lasts (per-delivery lines are DEBUG). */
  public static LogCapture ofDebug(Class<?> source) {
    return new LogCapture((Logger) LoggerFactory.getLogger(source), Level.DEBUG);
  }

  public static LogCapture root() {
    return new LogCapture((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME), null);
  }

  /** Every event so far (a copy; the appender's list is written from event-loop threads). */
  public List<ILoggingEvent> events() {
    // AppenderBase appends under the appender's own lock.
    synchronized (appender) {
      return List.copyOf(appender.list);
    }
  }

  /** Every formatted message so far. */
  public List<String> messages() {
    return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** Everything written so far as one text: logger, message, any stack trace and MDC, a line each. */
  public String text() {
    StringBuilder text = new StringBuilder();
    for (ILoggingEvent event : events()) {
      text.append(event.getLoggerName()).append(' ').append(event.getFormattedMessage()).append('\n');
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        text.append(ThrowableProxyUtil.asString(thrown)).append('\n');
      }
      if (event.getMDCPropertyMap() != null && !event.getMDCPropertyMap().isEmpty()) {
        text.append(event.getMDCPropertyMap()).append('\n');
      }
    }
    return text.toString();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
    logger.setLevel(levelBefore);
  }
}
