package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.delivery.CircuitBreaker.Gate;
import dev.hookline.domain.OriginRooms;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OriginSlotsTest {
  private static final String SLOW = "https://slow.example.com";
  private static final String DOWN = "https://down.example.com";
  private static final String COOLED = "https://cooled.example.com";

  @Test
  void anOriginWithNothingInFlightMayTakeAFullCap() {
    OriginRooms rooms = new OriginSlots(8).rooms(Map.of());

    assertThat(rooms.limited()).isEmpty();
    assertThat(rooms.otherOrigins()).isEqualTo(8);
  }

  @Test
  void aBusyOriginMayTakeOnlyItsFreeSlotsAndNoneWhenFull() {
    OriginSlots slots = new OriginSlots(3);
    slots.acquire(SLOW);
    slots.acquire(SLOW);
    assertThat(slots.rooms(Map.of()).limited()).containsExactly(Map.entry(SLOW, 1));

    slots.acquire(SLOW);
    assertThat(slots.rooms(Map.of()).limited()).containsExactly(Map.entry(SLOW, 0));

    slots.release(SLOW, 100);
    slots.release(SLOW, 100);
    slots.release(SLOW, 100);
    assertThat(slots.rooms(Map.of()).limited()).as("forgotten once idle").isEmpty();
    assertThat(slots.inFlight(SLOW)).isZero();
  }

  @Test
  void anOpenCircuitGetsNoRoomAndACooledDownOneRoomForOneProbe() {
    OriginSlots slots = new OriginSlots(8);

    OriginRooms rooms = slots.rooms(Map.of(DOWN, Gate.OPEN, COOLED, Gate.PROBE));

    assertThat(rooms.limited()).containsOnly(Map.entry(DOWN, 0), Map.entry(COOLED, 1));
  }

  @Test
  void aProbeNeedsAFreeSlotToo() {
    OriginSlots slots = new OriginSlots(1);
    slots.acquire(COOLED);

    assertThat(slots.rooms(Map.of(COOLED, Gate.PROBE)).limited()).containsExactly(Map.entry(COOLED, 0));
  }

  @Test
  void heldDeliveriesAreLinedUpOneSlotIntervalApartByTheOriginsAnswerTime() {
    OriginSlots slots = new OriginSlots(4);
    slots.acquire(SLOW);
    slots.acquire(SLOW);
    slots.release(SLOW, 2_000); // one answer took 2 s; one attempt is still in flight

    long now = 1_000_000;
    assertThat(slots.heldUntilMillis(SLOW, now)).isEqualTo(now + 500);
    assertThat(slots.heldUntilMillis(SLOW, now)).isEqualTo(now + 1_000);
    assertThat(slots.heldUntilMillis(SLOW, now + 200)).as("the line does not restart").isEqualTo(now + 1_500);
  }

  @Test
  void heldWaitsAreBoundedAndAnUntimedOriginIsLookedAtSoon() {
    OriginSlots slots = new OriginSlots(1);
    slots.acquire(SLOW);
    long now = 5_000;
    assertThat(slots.heldUntilMillis(SLOW, now)).isEqualTo(now + OriginSlots.UNTIMED_WAIT_MILLIS);

    slots.acquire(DOWN);
    slots.acquire(DOWN);
    slots.release(DOWN, 10_000_000);
    assertThat(slots.heldUntilMillis(DOWN, now)).isEqualTo(now + OriginSlots.MAX_WAIT_MILLIS);

    slots.acquire(COOLED);
    slots.acquire(COOLED);
    slots.release(COOLED, 0);
    assertThat(slots.heldUntilMillis(COOLED, now)).isEqualTo(now + OriginSlots.MIN_WAIT_MILLIS);
    assertThat(slots.heldUntilMillis("https://idle.example.com", now)).isEqualTo(now + OriginSlots.MIN_WAIT_MILLIS);
  }

  @Test
  void aStandingBacklogNeverLinesHeldDeliveriesUpBeyondTheCap() {
    OriginSlots slots = new OriginSlots(1);
    slots.acquire(SLOW);
    slots.acquire(SLOW);
    slots.release(SLOW, 60_000);
    long now = 0;
    for (int i = 0; i < 1_000; i++) {
      assertThat(slots.heldUntilMillis(SLOW, now)).isLessThanOrEqualTo(now + OriginSlots.MAX_WAIT_MILLIS);
    }

    now += 60_000;
    assertThat(slots.heldUntilMillis(SLOW, now)).as("the line moved on with time, one answer after the cap")
        .isEqualTo(now + OriginSlots.MAX_WAIT_MILLIS);
  }

  @Test
  void upToOneCapOfHeldDeliveriesWaitHereAndTheRestGoBackOnTheSchedule() {
    OriginSlots slots = new OriginSlots(2);
    slots.acquire(SLOW);
    slots.acquire(SLOW);

    assertThat(slots.waitHere(SLOW, 1)).isTrue();
    assertThat(slots.waitHere(SLOW, 2)).isTrue();
    assertThat(slots.waitHere(SLOW, 3)).as("a cap's worth is waiting already").isFalse();
    assertThat(slots.waiting()).isEqualTo(2);
    assertThat(slots.takeReady(10)).as("no slot free yet").isEmpty();

    slots.release(SLOW, 100);
    assertThat(slots.takeReady(10)).containsExactly(1L);
    assertThat(slots.waiting()).isEqualTo(1);
  }

  @Test
  void freeSlotsGoToWaitingDeliveriesOfEveryOriginInTurnUpToWhatIsAsked() {
    OriginSlots slots = new OriginSlots(2);
    slots.waitHere(SLOW, 1);
    slots.waitHere(SLOW, 2);
    slots.waitHere(DOWN, 3);

    assertThat(slots.takeReady(2)).containsExactly(1L, 2L);
    assertThat(slots.takeReady(5)).containsExactly(3L);
    assertThat(slots.waiting()).isZero();
  }

  @Test
  void shutdownTakesEverythingThatIsWaiting() {
    OriginSlots slots = new OriginSlots(2);
    slots.waitHere(SLOW, 1);
    slots.waitHere(DOWN, 2);

    assertThat(slots.drainWaiting()).containsExactlyInAnyOrder(1L, 2L);
    assertThat(slots.waiting()).isZero();
    assertThat(slots.takeReady(5)).isEmpty();
  }
}
