package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Postgres ceiling in BENCHMARKS.md is only meaningful while pgbench runs the worker's own claim. */
class ClaimStatementScriptTest {
  @Test
  void thePgbenchScriptRunsTheClaimStatementTheWorkerRuns() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("bench", "pgbench-claim.sql"));
    String script = lines.get(lines.size() - 1);

    String asPrepared = script
        .replace("ARRAY(SELECT generate_series(:first, :first + 99))::bigint[]", "$1")
        .replace("make_interval(secs => 0)", "make_interval(secs => $2)")
        .replace("ARRAY['http://127.0.0.1:8089']::text[]", "$3::text[]")
        .replace("ARRAY[1000]::int[]", "$4::int[]")
        .replace("coalesce(r.room, 1000)", "coalesce(r.room, $5)")
        .replace("recorded_attempts < 1000000000", "recorded_attempts < $6")
        .replace("claim_token = 0,", "claim_token = $7,");

    assertThat(asPrepared).isEqualTo(DeliveryRepository.CLAIM + ";");
  }
}
