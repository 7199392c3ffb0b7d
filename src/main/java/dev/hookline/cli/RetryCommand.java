package dev.hookline.cli;

import dev.hookline.domain.DeliveryFilter;
import dev.hookline.domain.DeliveryKind;
import dev.hookline.domain.DeliveryStatus;
import java.time.Instant;
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

  @Mixin
  FilterOptions filter;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    if (!DeliveryStatus.DEAD_LETTER.column().equals(status)) {
      throw new ParameterException(spec.commandLine(), "--status: only dead_letter can be retried (got " + status + ")");
    }
    Instant createdAfter = filter.createdAfter(spec.commandLine(), Instant.now());
    DeliveryKind kind = filter.kind(spec.commandLine());
    ConfigOption.Loaded loaded = config.load(parent.env);
    try (OfflineClients clients = new OfflineClients(loaded.config())) {
      clients.requirePostgres();
      clients.requireSchema();
      clients.requireRedis();
      long retried = clients.replay().retryAll(new DeliveryFilter(DeliveryStatus.DEAD_LETTER, filter.organizationId, null,
          createdAfter, null, null, null, kind)).await();
      spec.commandLine().getOut().printf("retried %d dead letters%n", retried);
    }
    return 0;
  }
}
