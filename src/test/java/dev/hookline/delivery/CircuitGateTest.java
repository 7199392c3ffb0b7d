package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.delivery.CircuitBreaker.Gate;
import dev.hookline.queue.CircuitState;
import org.junit.jupiter.api.Test;

class CircuitGateTest {
  private static final long NOW = 1_000_000;

  @Test
  void noRecordOrOnlyCountedFailuresLetsDeliveriesGo() {
    assertThat(CircuitBreaker.gate(null, NOW)).isEqualTo(Gate.CLOSED);
    assertThat(CircuitBreaker.gate(new CircuitState(4, 0, 0, 0, NOW, NOW), NOW)).isEqualTo(Gate.CLOSED);
  }

  @Test
  void anOpenCircuitHoldsDeliveriesUntilItsCoolDownEnds() {
    CircuitState open = new CircuitState(5, NOW + 1, 1, 0, NOW, NOW);

    assertThat(CircuitBreaker.gate(open, NOW)).isEqualTo(Gate.OPEN);
    assertThat(CircuitBreaker.gate(open, NOW + 1)).isEqualTo(Gate.PROBE);
  }

  @Test
  void onlyARecordWithFailuresOrAnOpenCircuitIsWorthAskingRedisAbout() {
    assertThat(CircuitBreaker.quiet(null)).isTrue();
    assertThat(CircuitBreaker.quiet(new CircuitState(0, 0, 0, 0, NOW, NOW))).as("closed mark").isTrue();
    assertThat(CircuitBreaker.quiet(new CircuitState(1, 0, 0, 0, NOW, NOW))).isFalse();
    assertThat(CircuitBreaker.quiet(new CircuitState(0, NOW, 2, 0, NOW, NOW))).isFalse();
  }
}
