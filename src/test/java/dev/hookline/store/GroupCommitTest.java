package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The grouping rule on its own: flushes are driven by hand, so every interleaving is deterministic. */
class GroupCommitTest {
  /** A flush function whose calls stay open until the test completes them. */
  private static final class Flushes {
    final List<List<Integer>> batches = new ArrayList<>();
    final List<Promise<List<String>>> open = new ArrayList<>();

    Future<List<String>> flush(List<Integer> items) {
      batches.add(List.copyOf(items));
      Promise<List<String>> promise = Promise.promise();
      open.add(promise);
      return promise.future();
    }

    void answer(int call) {
      open.get(call).complete(batches.get(call).stream().map(i -> "r" + i).toList());
    }
  }

  @Test
  void anIdleGroupFlushesAnItemAtOnce() {
    Flushes flushes = new Flushes();
    GroupCommit<Integer, String> group = new GroupCommit<>(flushes::flush, 100, 1);

    Future<String> result = group.submit(1);

    assertThat(flushes.batches).containsExactly(List.of(1));
    flushes.answer(0);
    assertThat(result.result()).isEqualTo("r1");
  }

  @Test
  void itemsArrivingDuringAFlushLeaveTogetherInTheNextOneInOrder() {
    Flushes flushes = new Flushes();
    GroupCommit<Integer, String> group = new GroupCommit<>(flushes::flush, 100, 1);
    Future<String> first = group.submit(1);
    List<Future<String>> waiting = new ArrayList<>();
    for (int i = 2; i <= 6; i++) {
      waiting.add(group.submit(i));
    }
    assertThat(flushes.batches).hasSize(1);
    assertThat(group.waiting()).isEqualTo(5);

    flushes.answer(0);

    assertThat(first.result()).isEqualTo("r1");
    assertThat(flushes.batches).containsExactly(List.of(1), List.of(2, 3, 4, 5, 6));
    flushes.answer(1);
    assertThat(waiting).extracting(Future::result).containsExactly("r2", "r3", "r4", "r5", "r6");
  }

  @Test
  void batchesNeverExceedTheLimitAndConcurrentFlushesAreCapped() {
    Flushes flushes = new Flushes();
    GroupCommit<Integer, String> group = new GroupCommit<>(flushes::flush, 3, 2);
    for (int i = 1; i <= 9; i++) {
      group.submit(i);
    }
    // Two flushes run at once; the others wait for a slot.
    assertThat(flushes.batches).containsExactly(List.of(1), List.of(2));

    flushes.answer(0);
    assertThat(flushes.batches).containsExactly(List.of(1), List.of(2), List.of(3, 4, 5));
    flushes.answer(1);
    flushes.answer(2);
    assertThat(flushes.batches).containsExactly(List.of(1), List.of(2), List.of(3, 4, 5), List.of(6, 7, 8), List.of(9));
  }

  @Test
  void aFailedFlushFailsEveryItemInItAndTheGroupCarriesOn() {
    Flushes flushes = new Flushes();
    GroupCommit<Integer, String> group = new GroupCommit<>(flushes::flush, 100, 1);
    group.submit(1);
    Future<String> second = group.submit(2);
    Future<String> third = group.submit(3);
    flushes.answer(0);

    flushes.open.get(1).fail(new IllegalStateException("database down"));

    assertThat(second.cause()).hasMessage("database down");
    assertThat(third.cause()).hasMessage("database down");
    Future<String> later = group.submit(4);
    flushes.answer(2);
    assertThat(later.result()).isEqualTo("r4");
  }

  @Test
  void aFlushThatThrowsOrAnswersTheWrongNumberOfResultsFailsItsItems() {
    GroupCommit<Integer, String> throwing = new GroupCommit<>(items -> {
      throw new IllegalArgumentException("bad batch");
    }, 100, 1);
    assertThat(throwing.submit(1).cause()).hasMessage("bad batch");

    GroupCommit<Integer, String> wrongCount = new GroupCommit<>(items -> Future.succeededFuture(List.of()), 100, 1);
    assertThat(wrongCount.submit(1).cause()).hasMessageContaining("0 results for 1 items");
  }
}
