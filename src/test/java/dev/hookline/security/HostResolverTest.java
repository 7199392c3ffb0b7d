package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostResolverTest {
  private final Vertx vertx = Vertx.vertx();
  private final HostResolver resolver = HostResolver.system(vertx);

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void anAddressLiteralIsAnsweredAtOnceAndAsTheOperatingSystemWouldAnswerIt() throws Exception {
    for (String literal : List.of("127.0.0.1", "10.1.2.3", "::1", "fe80::1", "::ffff:10.0.0.1", "2001:db8::5")) {
      var answer = resolver.resolve(literal);
      // Parsed in place: complete before any worker thread could have run.
      assertThat(answer.isComplete()).as(literal).isTrue();
      assertThat(answer.result()).as(literal).containsExactly(InetAddress.getAllByName(literal));
    }
  }

  @Test
  void legacyNumericFormsAndNamesStillGoToTheOperatingSystem() throws Exception {
    // Forms only the system resolver reads as addresses must still be vetted as what they mean.
    for (String host : List.of("2130706433", "127.1", "localhost")) {
      assertThat(resolver.resolve(host).await()).as(host).containsExactly(InetAddress.getAllByName(host));
    }
  }
}
