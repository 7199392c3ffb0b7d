package dev.hookline.cli;

import dev.hookline.store.Migrations;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * How many deliveries are final, whichever process delivered them, read from Postgres every 100 ms
 * on one connection: ids handed out by the sequence minus rows still pending (the count uses the
 * small pending-only index). Creates in flight count as final until they commit, an error bounded
 * by the bench's concurrency; the end of a run is still decided by a direct count of pending rows.
 */
final class PolledFinalCount implements LongSupplier, AutoCloseable {
  private static final String FINAL = "SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END"
      + " FROM webhook_deliveries_id_seq) - (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')";

  private final Connection connection;
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "bench-final-count");
    thread.setDaemon(true);
    return thread;
  });
  private final AtomicLong finalCount = new AtomicLong();
  private volatile SQLException failure;

  PolledFinalCount(PgConnectOptions base, String database) throws SQLException {
    connection = Migrations.connect(base, database);
    poll();
    poller.scheduleWithFixedDelay(this::poll, 100, 100, TimeUnit.MILLISECONDS);
  }

  @Override
  public long getAsLong() {
    if (failure != null) {
      throw new IllegalStateException("counting final deliveries failed", failure);
    }
    return finalCount.get();
  }

  private void poll() {
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(FINAL)) {
      rs.next();
      finalCount.set(rs.getLong(1));
    } catch (SQLException e) {
      failure = e; // the bench's thread reports it; a scheduled task that throws would just stop
    }
  }

  @Override
  public void close() throws SQLException {
    poller.shutdownNow();
    connection.close();
  }
}
