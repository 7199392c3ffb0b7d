package dev.hookline.cli;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.hookline.config.HooklineConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;

/** Builds the process's Vert.x: Micrometer metrics always, a Hazelcast cluster when asked for. */
public final class VertxFactory {
  private VertxFactory() {
  }

  public static Future<Vertx> create(HooklineConfig.Cluster cluster, PrometheusMeterRegistry registry) {
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true).setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true));
    if (cluster.enabled()) {
      // Other members reach this node's event bus on the configured host, never on a guessed
      // interface, and on a fixed port when one is set (0: a free one, as Vert.x picks by default).
      options.setEventBusOptions(new EventBusOptions().setHost(cluster.host()).setClusterPublicHost(cluster.host())
          .setPort(cluster.eventBusPort()));
    }
    VertxBuilder builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry));
    if (!cluster.enabled()) {
      return Future.succeededFuture(builder.build());
    }
    return builder.withClusterManager(new HazelcastClusterManager(hazelcast(cluster))).buildClustered();
  }

  /**
   * Vert.x's own map settings, joined over TCP/IP to the listed members only: multicast and cloud
   * auto-detection are off, and so are Hazelcast's shutdown hook (Hookline drains first, then
   * leaves the cluster) and its phone-home call.
   */
  public static Config hazelcast(HooklineConfig.Cluster cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.setPublicAddress(cluster.host() + ":" + cluster.port());
    if (cluster.host().matches("[0-9.]+")) {
      network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members().isEmpty()
        ? List.of(cluster.host() + ":" + cluster.port()) : cluster.members());
    return config;
  }
}
