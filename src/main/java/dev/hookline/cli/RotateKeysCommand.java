package dev.hookline.cli;

import dev.hookline.credentials.CredentialStore;
import dev.hookline.security.KeyRing;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "rotate-keys", mixinStandardHelpOptions = true,
    description = "Re-encrypt every credential under the active key (the first of security.secretKeys).")
final class RotateKeysCommand implements Callable<Integer> {
  @ParentCommand
  HooklineCli parent;

  @Mixin
  ConfigOption config;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    ConfigOption.Loaded loaded = config.load(parent.env);
    KeyRing keys = loaded.config().security().keyRing();
    try (OfflineClients clients = new OfflineClients(loaded.config())) {
      clients.requirePostgres();
      int resealed = new CredentialStore(clients.pool, keys).rotateKeys().await();
      spec.commandLine().getOut().printf("re-encrypted %d credentials under key %s%n", resealed, keys.activeKeyId());
    }
    return 0;
  }
}
