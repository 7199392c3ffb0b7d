package dev.hookline.testing;

import dev.hookline.cli.HooklineCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One in-process CLI invocation, as the jar's main would make it: exit code and everything written to out and err. */
public record CliRun(int exit, String out, String err) {

  /** Runs {@code args} with no environment, so only the arguments and config files given count. */
  public static CliRun of(String... args) {
    return withEnv(Map.of(), args);
  }

  /** Runs {@code args} as if the process environment were exactly {@code env}. */
  public static CliRun withEnv(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    PrintWriter outWriter = new PrintWriter(out, true);
    PrintWriter errWriter = new PrintWriter(err, true);
    int exit = HooklineCli.execute(args, env, outWriter, errWriter);
    outWriter.flush();
    errWriter.flush();
    return new CliRun(exit, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- out ---\n" + out + "--- err ---\n" + err;
  }
}
