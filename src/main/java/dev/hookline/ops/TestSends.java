package dev.hookline.ops;

import dev.hookline.delivery.TestSender;
import dev.hookline.domain.NewDelivery;
import dev.hookline.domain.Origins;
import dev.hookline.domain.RateLimitedException;
import dev.hookline.intake.DeliveryIntake;
import dev.hookline.metrics.HooklineMetrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test send, for the HTTP API and the event bus alike: prepared as a create (intake), limited per
 * organization, sent once (delivery), counted under its own meter. Nothing is stored.
 */
public final class TestSends {
  static final String RATE_LIMITED = "rate_limited";
  private static final Logger LOG = LoggerFactory.getLogger(TestSends.class);

  private final DeliveryIntake intake;
  private final TestSendLimit limit;
  private final TestSender sender;
  private final HooklineMetrics metrics;

  public TestSends(DeliveryIntake intake, TestSendLimit limit, TestSender sender, HooklineMetrics metrics) {
    this.intake = intake;
    this.limit = limit;
    this.sender = sender;
    this.metrics = metrics;
  }

  /**
   * The create body in; the result's JSON out, with the custom headers the header rules dropped.
   * Fails as a create does for bad input (400, 413), and with {@link RateLimitedException} (429)
   * past the organization's limit; a body that fails to parse does not count against it.
   */
  public Future<JsonObject> send(Object body) {
    return intake.prepareTest(body).compose(prepared -> {
      NewDelivery delivery = prepared.delivery();
      try {
        limit.acquire(delivery.organizationId());
      } catch (RateLimitedException e) {
        metrics.testDelivery(RATE_LIMITED);
        return Future.failedFuture(e);
      }
      return sender.send(delivery).map(result -> {
        metrics.testDelivery(result.outcome());
        // The origin only: a URL's path or query can carry a receiver's secret token.
        LOG.info("test send organization={} origin={} outcome={} status={} latency={}ms signed={}",
            delivery.organizationId(), Origins.of(delivery.endpointUrl()), result.outcome(),
            result.statusCode() == null ? "-" : result.statusCode(), result.latencyMillis(), result.signed());
        return result.toJson().put("droppedHeaders", new JsonArray(prepared.droppedHeaders()));
      });
    });
  }
}
