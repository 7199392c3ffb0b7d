package dev.hookline;

import dev.hookline.cli.HooklineCli;
import dev.hookline.cli.Logging;
import java.io.PrintWriter;

/**
 * The fat jar's entry point: {@code java -jar hookline.jar [run|migrate|stats|retry] ...}. {@code run}
 * (the default) keeps the process alive until SIGTERM; the other commands exit with their status.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    int code = HooklineCli.execute(args, System.getenv(), new PrintWriter(System.out, true),
        new PrintWriter(System.err, true));
    if (code != HooklineCli.RUNNING) {
      Logging.flush();
      System.exit(code);
    }
  }
}
