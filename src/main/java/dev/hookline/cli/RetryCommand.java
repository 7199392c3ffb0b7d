package dev.hookline.cli;

import dev.hookline.domain.DeliveryFilter;
import dev.hookline.domain.DeliveryStatus;
import dev.hookline.ops.Replay;
import dev.hookline.queue.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "retry", mixinStandardHelpOptions = true,
    description = "Put dead letters back on the schedule, due now, with a fresh attempt budget.")
final class RetryCommand implements Callable<Integer> {
  @ParentCommand
  HooklineCli parent;

  @Mixin
  ConfigOption config;

  @Option(names = "--status", required = true, paramLabel = "STATUS",
      description = "Which deliveries to replay; only dead_letter can be replayed")
  String status;

  @Option(names = "--org", paramLabel = "ID", description = "Only this organization")
  Long organizationId;

  @Option(names = "--since", paramLabel = "TIME",
      description = "Only deliveries created at or after TIME: 2026-11-28T09:00:00Z, 2026-11-28, or an age like 30m, 12h, 7d")
  String since;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    if (!DeliveryStatus.DEAD_LETTER.column().equals(status)) {
      throw new ParameterException(spec.commandLine(), "--status: only dead_letter can be retried (got " + status + ")");
    }
    Instant createdAfter = since == null ? null : parseSince(since, Instant.now());
    ConfigOption.Loaded loaded = config.load(parent.env);
    try (OfflineClients clients = new OfflineClients(loaded.config())) {
      clients.requirePostgres();
      clients.requireSchema();
      clients.requireRedis();
      Replay replay = new Replay(clients.operator, new Schedule(clients.vertx, clients.queue), loaded.config().delivery().maxAttempts());
      long retried = replay.retryAll(new DeliveryFilter(DeliveryStatus.DEAD_LETTER, organizationId, null, createdAfter,
          null, null)).await();
      spec.commandLine().getOut().printf("retried %d dead letters%n", retried);
    }
    return 0;
  }

  Instant parseSince(String text, Instant now) {
    String value = text.trim();
    try {
      if (value.matches("\\d+[smhd]")) {
        long amount = Long.parseLong(value.substring(0, value.length() - 1));
        Duration age = switch (value.charAt(value.length() - 1)) {
          case 's' -> Duration.ofSeconds(amount);
          case 'm' -> Duration.ofMinutes(amount);
          case 'h' -> Duration.ofHours(amount);
          default -> Duration.ofDays(amount);
        };
        return now.minus(age);
      }
      if (value.length() == 10) {
        return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(value);
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new ParameterException(spec.commandLine(),
          "--since: not a time (use 2026-11-28T09:00:00Z, 2026-11-28, or an age like 30m, 12h, 7d): " + text);
    }
  }
}
