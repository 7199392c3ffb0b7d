package dev.hookline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.Hookline;
import dev.hookline.testing.Await;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code http.enabled: false}, for applications that embed Hookline and talk to it over the event bus only. */
@ExtendWith(VertxExtension.class)
class EventBusOnlyTest {
  private Fixture fixture;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx);
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void withHttpDisabledNoPortIsBoundAndAnEventBusCreateIsStillDelivered(Vertx vertx) throws IOException {
    // A port known to be free just now: had the API been deployed, it would listen there.
    int port = freePort();
    JsonObject config = fixture.infra.config();
    config.getJsonObject("http").put("port", port).put("enabled", false);
    Hookline hookline = fixture.startWithConfig(vertx, config);

    assertThat(hookline.httpPort()).isEqualTo(-1);
    assertThatThrownBy(() -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      }
    }).isInstanceOf(ConnectException.class);

    JsonObject reply = Messages.send(vertx, Messages.create(7, 4_242, "node-1", fixture.receiver.url("/bus-only")));
    assertThat(reply.getString("status")).isEqualTo("created");
    Await.until("the delivery to reach the receiver", Duration.ofSeconds(30),
        () -> fixture.receiver.requestsTo("/bus-only").size() == 1);
    assertThat(fixture.receiver.requestsTo("/bus-only").get(0).header("X-Dograh-Delivery-Id"))
        .isEqualTo(reply.getString("deliveryUuid"));
    Await.until("the success to be recorded", Duration.ofSeconds(10),
        () -> fixture.infra.count("delivery_uuid::text = ? AND status = 'succeeded'", reply.getString("deliveryUuid")) == 1);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
