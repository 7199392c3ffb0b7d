package example;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Joins Hookline's clustered event bus (Hazelcast over TCP/IP, no multicast) and sends one create
 * request to {@code hookline.delivery.create}, printing the reply.
 *
 * <p>Arguments, all optional: Hookline's Hazelcast member (default 127.0.0.1:5701), this member's
 * own port (default 5702), the create body (default ../create.json).
 */
public final class Sender {
  private static final String CREATE_ADDRESS = "hookline.delivery.create";
  /** Held here: java.util.logging keeps only weak references, and the level would be lost with the logger. */
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

  private Sender() {
  }

  public static void main(String[] args) throws Exception {
    String hooklineMember = args.length > 0 ? args[0] : "127.0.0.1:5701";
    int ownPort = args.length > 1 ? Integer.parseInt(args[1]) : 5702;
    JsonObject create = new JsonObject(Files.readString(Path.of(args.length > 2 ? args[2] : "../create.json")));

    HAZELCAST_LOG.setLevel(Level.WARNING); // Hazelcast's membership chatter would bury the reply
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName("hookline"); // Hookline's cluster.name
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(ownPort).setPortAutoIncrement(false).setPublicAddress("127.0.0.1:" + ownPort);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember(hooklineMember);

    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
        .withClusterManager(new HazelcastClusterManager(hazelcast))
        .buildClustered()
        .await();
    int exitCode = 0;
    try {
      JsonObject reply = send(vertx, create);
      System.out.println("Hookline replied: " + reply.encodePrettily());
    } catch (ReplyException e) {
      // Refusals keep Hookline's code: 400 invalid input, 409 another organization's run, 503 storage down.
      System.out.println("Hookline refused the create: " + e.failureCode() + " " + e.getMessage());
      exitCode = 1;
    } finally {
      vertx.close().await();
    }
    System.exit(exitCode);
  }

  /** Right after joining, Hookline's consumer may not have reached this member yet: that is NO_HANDLERS, so try again. */
  private static JsonObject send(Vertx vertx, JsonObject create) throws InterruptedException {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(10_000);
    for (int attempt = 1; ; attempt++) {
      try {
        return (JsonObject) vertx.eventBus().request(CREATE_ADDRESS, create, options).await().body();
      } catch (ReplyException e) {
        if (e.failureType() != ReplyFailure.NO_HANDLERS || attempt == 20) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }
}
