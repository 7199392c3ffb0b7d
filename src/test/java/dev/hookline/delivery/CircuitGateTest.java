package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.delivery.CircuitBreaker.Gate;
import dev.hookline.queue.CircuitState;
import org.junit.jupiter.api.Test;

class CircuitGateTest {
  private static final long NOW = 1_000_000;

  @Test
  void noRecordOrAClosedWindowCountingFailuresLetsDeliveriesGo() {
    assertThat(CircuitBreaker.gate(null, NOW)).isEqualTo(Gate.CLOSED);
    assertThat(CircuitBreaker.gate(new CircuitState(9, 10, 0, 0, 0, NOW, NOW), NOW)).isEqualTo(Gate.CLOSED);
    assertThat(CircuitBreaker.gate(CircuitState.closed(NOW), NOW)).isEqualTo(Gate.CLOSED);
  }

  @Test
  void anOpenCircuitHoldsDeliveriesUntilItsCoolDownEnds() {
    CircuitState open = new CircuitState(0, 0, 1, NOW + 1, 0, NOW, NOW);

    assertThat(CircuitBreaker.gate(open, NOW)).isEqualTo(Gate.OPEN);
    assertThat(CircuitBreaker.gate(open, NOW + 1)).isEqualTo(Gate.PROBE);
  }
}
