package dev.hookline.testing;

import dev.hookline.store.Migrations;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One database and Redis key prefix for a whole test class, created and migrated once, instead of
 * one per test (CREATE DATABASE, the migrations and DROP DATABASE cost more than most tests).
 * Register it on a static field:
 *
 * <pre>{@code @RegisterExtension static final ClassDatabase DATABASE = new ClassDatabase();}</pre>
 *
 * Before each test (and before the class's own {@code @BeforeEach}) it waits until no session of
 * an earlier test is left on the database (an earlier test's Hookline still sweeping could
 * otherwise write into this one; each test's Vert.x, and so its Hookline, is closed when that test
 * ends), then truncates every table but Flyway's history, restarting the ids, and deletes the
 * class's Redis keys (ids repeat across tests, so no queue entry may outlive its test). A test
 * that changes the schema should undo it; one that did not leaves the next test a database made
 * anew, with a warning.
 *
 * Not for tests of migrations, backfills or start-up on a fresh database: those make their own
 * {@link TestInfra}. The callbacks are bounded by themselves (JUnit's timeouts cover methods only).
 */
public final class ClassDatabase implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
  private static final Logger LOG = LoggerFactory.getLogger(ClassDatabase.class);
  private static final Duration SESSIONS_GONE = Duration.ofSeconds(30);

  private TestInfra infra;
  private Vertx vertx;
  private String schema;
  private String owner;

  /** This class's database and key prefix; valid from the first test's set-up to the class's end. */
  public TestInfra infra() {
    if (infra == null) {
      throw new IllegalStateException("ClassDatabase is set up before the class's first test: register it with @RegisterExtension"
          + " on a static field and use it from @BeforeEach or a test");
    }
    return infra;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (owner != null) {
      return; // a @Nested class: it shares its enclosing class's database.
    }
    owner = context.getUniqueId();
    vertx = Vertx.vertx();
    infra = TestInfra.create();
    migrate();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    TestInfra infra = infra();
    infra.awaitNoOtherSessions(SESSIONS_GONE);
    if (!schema.equals(infra.schemaFingerprint())) {
      LOG.warn("an earlier test of {} changed the schema of {} and did not undo it; making the database anew",
          context.getRequiredTestClass().getSimpleName(), infra.database);
      infra.recreate();
      migrate();
    }
    infra.truncateTables();
    infra.flushRedis(vertx);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (!context.getUniqueId().equals(owner)) {
      return;
    }
    try {
      if (infra != null) {
        infra.close();
      }
    } finally {
      infra = null;
      owner = null;
      if (vertx != null) {
        vertx.close().await();
        vertx = null;
      }
    }
  }

  private void migrate() {
    Migrations.apply(PgConnectOptions.fromUri(infra.postgresUrl()));
    schema = infra.schemaFingerprint();
  }
}
