package dev.hookline.cli;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code run}'s options for embedded mode; without {@code --embedded} the others are refused, never ignored. */
final class EmbeddedOptions {
  private static final Path DEFAULT_DATA_DIR = Path.of("hookline-data");
  private static final int DEFAULT_RECEIVER_PORT = 8090;

  @Option(names = "--embedded",
      description = "Start an embedded PostgreSQL 17 and Redis and a demo receiver, for trying Hookline out and local"
          + " development (not production)")
  boolean embedded;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "With --embedded: where PostgreSQL and Redis keep their data (default: ./hookline-data)")
  Path dataDir;

  @Option(names = "--receiver-port", paramLabel = "PORT",
      description = "With --embedded: the demo receiver's port on 127.0.0.1 (default: 8090; 0 picks a free one)")
  Integer receiverPort;

  /** Starts embedded mode when asked for (blocking, on the calling thread), pointing {@code json} at it. */
  EmbeddedMode start(JsonObject json) {
    if (!embedded) {
      if (dataDir != null || receiverPort != null) {
        throw new IllegalArgumentException("--data-dir and --receiver-port apply only with --embedded");
      }
      return EmbeddedMode.OFF;
    }
    int port = receiverPort == null ? DEFAULT_RECEIVER_PORT : receiverPort;
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("--receiver-port must be from 0 to 65535 (got " + port + ")");
    }
    return EmbeddedMode.start(dataDir == null ? DEFAULT_DATA_DIR : dataDir, port, json);
  }
}
