package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.InvalidRequestException;
import dev.hookline.security.AddressPolicy;
import dev.hookline.security.DestinationGuard;
import dev.hookline.security.HostResolver;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The create-time look-up: refusals with their hint, and a bound on look-ups a slow DNS can hold. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class DestinationCheckTest {
  private static final AddressPolicy DEFAULT_POLICY = AddressPolicy.withAllowedNetworks(List.of());

  @Test
  void aNameThatResolvesToARefusedRangeIsRefusedWithHowToAllowIt(Vertx vertx) throws Exception {
    InetAddress internal = InetAddress.getByName("10.1.2.3");
    DestinationCheck check = new DestinationCheck(new DestinationGuard(DEFAULT_POLICY,
        host -> Future.succeededFuture(List.of(internal))));

    Throwable refused = onContext(vertx, () -> check.check("https://intranet.example.com/hook")).cause();

    assertThat(refused).isInstanceOf(InvalidRequestException.class);
    assertThat(((InvalidRequestException) refused).field()).isEqualTo("webhook.endpointUrl");
    assertThat(refused.getMessage()).contains("10.1.2.3").contains("security.allowedNetworks")
        .contains("HOOKLINE_SECURITY_ALLOWED_NETWORKS");
  }

  @Test
  void pastTheLookUpsInFlightACreateIsAcceptedUncheckedUntilOneFinishes(Vertx vertx) {
    List<Promise<List<InetAddress>>> hanging = new ArrayList<>();
    HostResolver stuck = host -> {
      Promise<List<InetAddress>> answer = Promise.promise();
      hanging.add(answer);
      return answer.future();
    };
    DestinationCheck check = new DestinationCheck(new DestinationGuard(DEFAULT_POLICY, stuck));

    List<Future<Void>> held = new ArrayList<>();
    for (int i = 0; i < DestinationCheck.MAX_LOOKUPS; i++) {
      int n = i;
      held.add(onContext(vertx, () -> check.check("https://slow" + n + ".example.com/")));
    }
    assertThat(held).noneMatch(Future::isComplete);
    Future<Void> overflow = onContext(vertx, () -> check.check("https://one-more.example.com/"));
    assertThat(overflow.isComplete() && overflow.succeeded()).as("accepted without a look-up").isTrue();
    assertThat(hanging).hasSize(DestinationCheck.MAX_LOOKUPS);

    // A finished look-up frees its place for the next create.
    vertx.runOnContext(v -> hanging.get(0).fail(new UnknownHostException("slow0.example.com")));
    held.get(0).await();
    Future<Void> next = onContext(vertx, () -> check.check("https://next.example.com/"));
    assertThat(next.isComplete()).as("looked up again, so still waiting").isFalse();
    assertThat(hanging).hasSize(DestinationCheck.MAX_LOOKUPS + 1);
  }

  /** Runs {@code call} on an event loop, as intake does, and hands back its future. */
  private static <T> Future<T> onContext(Vertx vertx, Supplier<Future<T>> call) {
    Promise<Future<T>> started = Promise.promise();
    vertx.runOnContext(v -> started.complete(call.get()));
    return started.future().await();
  }
}
