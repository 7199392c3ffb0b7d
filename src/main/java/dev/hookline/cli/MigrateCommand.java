package dev.hookline.cli;

import dev.hookline.config.ServiceUnreachable;
import dev.hookline.store.Migrations;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = "Create the database if missing and apply the Flyway migrations, then exit.")
final class MigrateCommand implements Callable<Integer> {
  @ParentCommand
  HooklineCli parent;

  @Mixin
  ConfigOption config;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    ConfigOption.Loaded loaded = config.load(parent.env);
    String version;
    try {
      version = Migrations.migrate(loaded.config().postgres().connectOptions(),
          loaded.config().postgres().migrationLockWait()).schemaVersion();
    } catch (RuntimeException e) {
      throw ServiceUnreachable.postgres(loaded.config().postgres(), e);
    }
    spec.commandLine().getOut().printf("schema of %s is at version %s%n", loaded.config().postgres().redactedUrl(),
        version);
    return 0;
  }
}
