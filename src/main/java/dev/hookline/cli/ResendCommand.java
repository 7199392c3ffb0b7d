package dev.hookline.cli;

import dev.hookline.domain.DeliveryFilter;
import dev.hookline.domain.DeliveryKind;
import dev.hookline.domain.DeliveryStatus;
import dev.hookline.domain.Uuids;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "resend", mixinStandardHelpOptions = true,
    description = {"Send final deliveries (succeeded, dead_letter, cancelled, expired) again: back on the schedule,"
        + " due now, with a fresh attempt budget, the same delivery id and attempt numbers counting on.",
        "One with --uuid, or every one matching the filters (all final deliveries when none is given;"
            + " Hookline's own event deliveries only with --kind event)."})
final class ResendCommand implements Callable<Integer> {
  @ParentCommand
  HooklineCli parent;

  @Mixin
  ConfigOption config;

  @Option(names = "--uuid", paramLabel = "UUID", description = "Only this delivery (no filter may be given with it)")
  String uuid;

  @Option(names = "--status", paramLabel = "STATUS",
      description = "Only this final status: succeeded, dead_letter, cancelled or expired (default: all four)")
  String status;

  @Option(names = "--run", paramLabel = "ID", description = "Only this workflow run")
  Long workflowRunId;

  @Mixin
  FilterOptions filter;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    UUID one = uuid == null ? null : Uuids.parseOrNull(uuid);
    if (uuid != null && one == null) {
      throw new ParameterException(spec.commandLine(), "--uuid: not a UUID: " + uuid);
    }
    if (one != null && (status != null || workflowRunId != null || filter.any())) {
      throw new ParameterException(spec.commandLine(),
          "--uuid resends one delivery: it cannot be combined with --status, --run, --org, --since or --kind");
    }
    DeliveryStatus finalStatus = status == null ? null : DeliveryStatus.fromColumn(status);
    if (status != null && (finalStatus == null || !finalStatus.isFinal())) {
      throw new ParameterException(spec.commandLine(),
          "--status: must be one of succeeded, dead_letter, cancelled, expired (got " + status + ")");
    }
    Instant createdAfter = filter.createdAfter(spec.commandLine(), Instant.now());
    DeliveryKind kind = filter.kind(spec.commandLine());
    ConfigOption.Loaded loaded = config.load(parent.env);
    try (OfflineClients clients = new OfflineClients(loaded.config())) {
      clients.requirePostgres();
      clients.requireSchema();
      clients.requireRedis();
      long resent;
      if (one != null) {
        clients.replay().resend(one).await();
        resent = 1;
      } else {
        resent = clients.replay().resendAll(new DeliveryFilter(finalStatus, filter.organizationId, workflowRunId,
            createdAfter, null, null, null, kind)).await();
      }
      spec.commandLine().getOut().printf("resent %d %s%n", resent, resent == 1 ? "delivery" : "deliveries");
    }
    return 0;
  }
}
