package dev.hookline.cli;

import dev.hookline.HooklineVersion;
import dev.hookline.config.ConfigException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The fat jar's command line: {@code run} (the default), {@code migrate}, {@code stats}, {@code retry},
 * {@code resend}, {@code rotate-keys}, {@code bench}.
 */
@Command(name = "hookline", mixinStandardHelpOptions = true, versionProvider = HooklineCli.Version.class,
    description = "Durable, retrying outbound-webhook delivery worker.",
    subcommands = {RunCommand.class, MigrateCommand.class, StatsCommand.class, RetryCommand.class, ResendCommand.class,
        RotateKeysCommand.class,
        BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class HooklineCli {
  /** Returned by {@code run}: the process keeps running until a signal stops it. */
  public static final int RUNNING = -1;
  /** Bad configuration or arguments. */
  public static final int USAGE = 2;

  private static final String LOG_TARGET = "HOOKLINE_LOG_TARGET";
  private static final Set<String> COMMANDS = Set.of("run", "migrate", "stats", "retry", "resend", "rotate-keys", "bench", "help");

  final Map<String, String> env;

  HooklineCli(Map<String, String> env) {
    this.env = env;
  }

  /** Runs one command line; {@code run} is implied when no command is named. */
  public static int execute(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    String[] effective = args;
    boolean topLevelFlag = args.length > 0 && Set.of("-h", "--help", "-V", "--version").contains(args[0]);
    if (args.length == 0 || (!COMMANDS.contains(args[0]) && !topLevelFlag)) {
      effective = new String[args.length + 1];
      effective[0] = "run";
      System.arraycopy(args, 0, effective, 1, args.length);
    }
    if (!"run".equals(effective[0]) && System.getProperty(LOG_TARGET) == null) {
      // One-shot commands print results on stdout; their log lines must not mix in.
      System.setProperty(LOG_TARGET, "System.err");
    }
    CommandLine cli = new CommandLine(new HooklineCli(env));
    // Every command answers --version (picocli gives a subcommand none of its own).
    cli.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(new Version()));
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
        commandLine.getErr().println(e.getMessage());
        return USAGE;
      }
      commandLine.getErr().println("hookline: " + e.getMessage());
      return 1;
    });
    return cli.execute(effective);
  }

  /** {@code --version}: the pom's version, as {@link HooklineVersion} reads it. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Hookline " + HooklineVersion.current()};
    }
  }
}
